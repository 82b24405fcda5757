//! pancred: a credentials engine for OAuth 2.0 clients.
//!
//! The engine (profiles, stores, the resolver, provider calls) knows nothing of terminals; the CLI
//! and the TUI are two faces over it, and any Rust program can use it the same way.
//!
//! Cargo features (all on by default): `cli` and `tui` (the two faces), `sandbox` (the local
//! authorization server), `keyring` and `redis` (stores beyond the always-built file and memory
//! stores). With `default-features = false` this is the engine alone.
// One exception, allowed where it stands: resetting a child's signals between fork and exec
// (`cli::exec`), which the standard library offers only as an unsafe hook.
#![deny(unsafe_code)]

pub mod authorized_client;
#[cfg(any(feature = "cli", feature = "tui"))]
pub mod browser;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod client_key;
pub mod clock;
pub mod config;
pub mod diagnose;
pub mod endpoints;
pub mod engine;
pub mod env;
pub mod error;
pub mod files;
#[cfg(test)]
mod fuzz_tests;
pub mod jwt;
pub mod loopback;
pub mod oauth;
pub mod profile;
#[cfg(any(feature = "cli", feature = "tui"))]
pub mod qr;
pub mod resolve;
pub mod rules;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod seconds;
pub mod secret;
pub mod store;
pub mod summary;
pub mod text;
#[cfg(feature = "tui")]
pub mod tui;

pub use config::EngineConfig;
pub use engine::{Engine, ProfilePatch};
pub use error::{Error, Result};
pub use profile::{Dialect, Grant, Profile, TokenState};
pub use secret::Secret;
pub use store::{SharedStore, Store, StoreConfig, StoreError, StoreKind};
