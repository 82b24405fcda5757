//! pancred: a credentials engine for OAuth 2.0 clients.
//!
//! The engine (profiles, stores, the resolver, provider calls) knows nothing of terminals; the CLI
//! and the TUI are two faces over it, and any Rust program can use it the same way.
#![forbid(unsafe_code)]

pub mod browser;
pub mod cli;
pub mod clock;
pub mod config;
pub mod engine;
pub mod error;
pub mod http;
pub mod jwt;
pub mod loopback;
pub mod oauth;
pub mod profile;
pub mod resolve;
pub mod sandbox;
pub mod secret;
pub mod store;
pub mod summary;
pub mod tui;

pub use config::EngineConfig;
pub use engine::{Engine, ProfilePatch};
pub use error::{Error, Result};
pub use profile::{Dialect, Profile, TokenState};
pub use secret::Secret;
pub use store::{SharedStore, Store, StoreConfig, StoreError, StoreKind};
