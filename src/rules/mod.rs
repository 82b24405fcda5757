//! Rules that several parts of pancred need, each written once: which hosts are loopback
//! (RFC 8252), which endpoint URLs may receive credentials, comparing secrets in constant time,
//! PKCE (RFC 7636), how a git host splits into name and port, and which git helpers keep copies. The provider calls, the loopback listener, the TUI form and the sandbox
//! all call these; none keeps a copy of its own, so they cannot disagree.

pub mod constant_time;
pub mod git_helpers;
pub mod host_port;
pub mod loopback;
pub mod pkce;
pub mod url_policy;
