//! Single flight inside one process: concurrent callers wanting a fresh token for the same
//! profile share one refresh and all get its result, rather than one of them getting nothing
//! (pancloud's per-object lock) or each refreshing in turn.

use super::Engine;
use crate::secret::Secret;
use crate::{Error, Result};
use futures_util::future::{BoxFuture, FutureExt, Shared};
use std::collections::HashMap;

type Flight = Shared<BoxFuture<'static, Result<Secret>>>;

#[derive(Default)]
pub(super) struct Flights {
    next_id: u64,
    running: HashMap<String, (u64, Flight)>,
}

impl Engine {
    /// Joins the refresh in flight for `profile`, or starts one. The work runs in its own task, so
    /// it finishes (and releases the lock) even if every caller stops waiting.
    pub(super) async fn shared_refresh(
        &self,
        profile: &str,
        rejected: Option<Secret>,
    ) -> Result<Secret> {
        let flight = {
            let mut flights = self
                .flights
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match flights.running.get(profile) {
                Some((_, f)) => f.clone(),
                None => {
                    flights.next_id += 1;
                    let id = flights.next_id;
                    let f = self.new_flight(profile, rejected, id);
                    flights.running.insert(profile.to_string(), (id, f.clone()));
                    f
                }
            }
        };
        // Every waiter gets the same error: same kind, same text, same exit code.
        flight.await
    }

    fn new_flight(&self, profile: &str, rejected: Option<Secret>, id: u64) -> Flight {
        let engine = self.clone();
        let name = profile.to_string();
        let work = async move {
            let result = engine.locked_fresh_token(&name, rejected).await;
            let mut flights = engine
                .flights
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if flights.running.get(&name).is_some_and(|(i, _)| *i == id) {
                flights.running.remove(&name);
            }
            result
        };
        async move {
            match tokio::spawn(work).await {
                Ok(r) => r,
                Err(e) => Err(Error::Other(format!("the refresh task failed: {e}"))),
            }
        }
        .boxed()
        .shared()
    }
}
