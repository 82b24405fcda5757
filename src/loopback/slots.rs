//! The connections being served, oldest first. At the bound a new connection is never turned
//! away: the oldest one that has not sent a byte yet (a silent local client, a browser's spare
//! preconnection) is closed to make room, else the oldest of all. Any number of idle clients can
//! then neither starve the browser's callback nor keep a login waiting.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::task::{AbortHandle, Id};

/// Whether a connection has sent nothing yet; set by the task that serves it.
#[derive(Clone, Default)]
pub(crate) struct Idle(Arc<AtomicBool>);

impl Idle {
    fn new() -> Self {
        Idle(Arc::new(AtomicBool::new(true)))
    }

    pub fn spoke(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    fn is_idle(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

struct Slot {
    id: Id,
    idle: Idle,
    abort: AbortHandle,
}

pub(crate) struct Slots {
    max: usize,
    open: VecDeque<Slot>,
}

impl Slots {
    pub fn new(max: usize) -> Self {
        Slots {
            max: max.max(1),
            open: VecDeque::new(),
        }
    }

    /// Makes room for one more connection (closing one if at the bound) and returns the flag
    /// its task sets when it speaks; [`Slots::add`] records the task.
    pub fn make_room(&mut self) -> Idle {
        if self.open.len() >= self.max {
            let victim = self.open.iter().position(|s| s.idle.is_idle()).unwrap_or(0);
            if let Some(slot) = self.open.remove(victim) {
                slot.abort.abort();
            }
        }
        Idle::new()
    }

    pub fn add(&mut self, idle: Idle, abort: AbortHandle) {
        self.open.push_back(Slot {
            id: abort.id(),
            idle,
            abort,
        });
    }

    /// A connection's task ended (served, failed or closed above).
    pub fn done(&mut self, id: Id) {
        self.open.retain(|s| s.id != id);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::task::JoinSet;

    #[tokio::test]
    async fn the_oldest_idle_connection_makes_room() {
        let mut set = JoinSet::new();
        let mut slots = Slots::new(3);
        let open = |slots: &mut Slots, set: &mut JoinSet<()>| {
            let idle = slots.make_room();
            let abort = set.spawn(std::future::pending::<()>());
            let id = abort.id();
            slots.add(idle.clone(), abort);
            (id, idle)
        };
        let first = open(&mut slots, &mut set);
        let second = open(&mut slots, &mut set);
        let _third = open(&mut slots, &mut set);
        // The first has spoken: the second, the oldest idle one, is closed for the fourth.
        first.1.spoke();
        let _fourth = open(&mut slots, &mut set);
        let closed = set.join_next_with_id().await.unwrap().unwrap_err();
        assert!(closed.is_cancelled());
        assert_eq!(closed.id(), second.0);
        slots.done(closed.id());
        assert_eq!(slots.len(), 3);
        // All speaking: the oldest of all goes.
        for s in &slots.open {
            s.idle.spoke();
        }
        let _fifth = open(&mut slots, &mut set);
        let closed = set.join_next_with_id().await.unwrap().unwrap_err();
        assert_eq!(closed.id(), first.0);
        slots.done(closed.id());
        assert_eq!(slots.len(), 3);
    }
}
