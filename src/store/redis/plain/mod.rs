//! The Redis store as the small `pancred` executable reads it: a cached token from a plain
//! server (`redis://`, or a Unix socket) through a client of its own that links no TLS, so the
//! small executable stays small for every store (the redis crate's TLS start-up would run in
//! every process). TLS, Sentinel and Cluster URLs are not read here: [`open_plain`] says `None`
//! and the command goes to the whole program.
//!
//! The rules are the Redis store's own: the same key names and document ([`Layout`]), the same
//! location (so a rescue written by one is found by the other), the same login
//! ([`RedisConfig::login_password`]), settings check ([`super::check_settings`]) and eviction
//! refusal ([`super::policy::judge`]), the same words for a server that cannot be reached. It
//! only reads: every write refuses, and anything it cannot read plainly (an error reply, a
//! document that is not a profile) is the whole program's to report.

mod endpoint;
mod resp;
mod session;
mod stream;

use super::layout::Layout;
use super::RedisConfig;
use crate::profile::Profile;
use crate::secret::Secret;
use crate::store::{Store, StoreError};
use resp::Reply;
use session::Session;

pub struct PlainReader {
    session: Session,
    layout: Layout,
}

/// The reader of `config`'s server when its URL is a plain one; `None` for every other form (and
/// for a CA file, which only a TLS URL may have), which the Redis store opens.
pub fn open_plain(config: &RedisConfig) -> Option<Result<PlainReader, StoreError>> {
    if config.ca_file.is_some() {
        return None;
    }
    let endpoint = endpoint::parse(&config.url)?;
    if let Err(e) = super::check_settings(config) {
        return Some(Err(e));
    }
    let password = config
        .login_password(endpoint.password.as_ref().map(Secret::expose))
        .map(Secret::new);
    Some(Ok(PlainReader {
        session: Session::new(
            endpoint,
            password,
            config.timeout,
            config.allow_eviction,
            super::redact_url(&config.url),
        ),
        layout: Layout::new(&config.prefix, false),
    }))
}

impl PlainReader {
    /// `GET key`: the string, or `None`.
    fn get(&self, doing: &str, key: &str) -> Result<Option<String>, StoreError> {
        match self.session.call(doing, &[b"GET", key.as_bytes()])? {
            Reply::Bulk(None) => Ok(None),
            Reply::Bulk(Some(bytes)) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| self.odd(doing, "a value that is not UTF-8 text")),
            _ => Err(self.odd(doing, "a reply of another type than GET's")),
        }
    }

    fn odd(&self, doing: &str, what: &str) -> StoreError {
        StoreError::Backend(format!("Redis at {}: {doing}: {what}", self.session.shown))
    }

    fn read_only(&self) -> StoreError {
        StoreError::Backend("the small executable's Redis reader cannot write".into())
    }
}

impl Store for PlainReader {
    refuse_writes!();

    fn kind(&self) -> &'static str {
        "redis"
    }

    fn location(&self) -> String {
        self.layout.location(&self.session.shown)
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        self.get("reading a profile", &self.layout.profile(name))?
            .map(|json| self.layout.parse(&self.session.shown, name, &json))
            .transpose()
    }

    /// Not read here: the Redis store lists (with what is wrong with each unreadable key).
    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        Err(StoreError::Backend(
            "the small executable's Redis reader does not list profiles".into(),
        ))
    }

    fn profile_names(&self) -> Result<Vec<String>, StoreError> {
        let doing = "listing profiles";
        let index = self.layout.index();
        match self
            .session
            .call(doing, &[b"ZRANGE", index.as_bytes(), b"0", b"-1"])?
        {
            Reply::Array(Some(items)) => items
                .into_iter()
                .map(|i| match i {
                    Reply::Bulk(Some(b)) => String::from_utf8(b)
                        .map_err(|_| self.odd(doing, "a name that is not UTF-8 text")),
                    _ => Err(self.odd(doing, "a reply of another type than ZRANGE's")),
                })
                .collect(),
            _ => Err(self.odd(doing, "a reply of another type than ZRANGE's")),
        }
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        self.get(
            "reading the default profile",
            &self.layout.default_profile(),
        )
    }

    fn lock_can_lapse(&self) -> bool {
        super::LOCK_CAN_LAPSE
    }

    fn can_forget(&self) -> bool {
        super::CAN_FORGET
    }

    fn reset(&self) {
        self.session.reset();
    }
}
