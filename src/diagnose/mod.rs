//! `pancred doctor`'s checks: what works and what does not in this setup, each problem with its
//! fix. The checks about stores live beside each store (`diagnose` functions); this module runs
//! them in order and adds the provider, clock and leftover-file checks. No check prints a secret,
//! and every check that talks to another process or server is bounded by [`TIMEOUT`].

mod leftovers;
mod provider;
mod stores;

pub use leftovers::leftovers;
pub use provider::{client_key, clock_skew, provider, MAX_SKEW_SECS};
pub use stores::stores;

pub use crate::check::{needs_fixing, Check, Status, TIMEOUT};
