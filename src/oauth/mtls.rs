//! mTLS client authentication (RFC 8705): an HTTP client that presents the profile's client
//! certificate. One client per key pair, kept for the life of the process (a client holds its
//! connection pool); a changed file makes a new one.

use super::pem_key::{read_certificates, read_private_key};
use super::OAuthError;
use crate::profile::Profile;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

type Key = (
    PathBuf,
    PathBuf,
    Option<SystemTime>,
    Option<SystemTime>,
    Duration,
);

fn clients() -> &'static Mutex<HashMap<Key, reqwest::Client>> {
    static CLIENTS: OnceLock<Mutex<HashMap<Key, reqwest::Client>>> = OnceLock::new();
    CLIENTS.get_or_init(Default::default)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The certificate and key files of an mTLS profile, or the setting it lacks.
pub fn files(p: &Profile) -> Result<(PathBuf, PathBuf), OAuthError> {
    let need = |v: &Option<String>, setting: &str, what: &str| {
        v.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| {
                OAuthError::Config(format!(
                    "client_auth {} needs {setting} ({what}); set it in profile '{}'",
                    p.client_auth.as_str(),
                    crate::text::Safe(&p.profile)
                ))
            })
    };
    Ok((
        need(
            &p.client_cert_file,
            "client_cert_file",
            "the client certificate, PEM",
        )?,
        need(
            &p.client_key_file,
            "client_key_file",
            "its private key, PEM",
        )?,
    ))
}

/// An identity from the two files, after checking that the key belongs to the certificate.
pub fn identity(cert_file: &Path, key_file: &Path) -> Result<reqwest::Identity, OAuthError> {
    let config = |e: super::pem_key::PemFileError| OAuthError::Config(e.to_string());
    let certs = read_certificates("client_cert_file", cert_file).map_err(config)?;
    let key = read_private_key("client_key_file", key_file).map_err(config)?;
    let shown = |p: &Path| crate::text::safe(&p.display().to_string()).into_owned();
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing = provider.key_provider.load_private_key(key).map_err(|e| {
        OAuthError::Config(format!(
            "client_key_file {} cannot be used: {e}",
            shown(key_file)
        ))
    })?;
    // Only a proven mismatch is refused: a certificate the check cannot parse (an old X.509
    // v1 one) is still sent, and the provider judges it.
    let pair = rustls::sign::CertifiedKey::new(certs, signing);
    if let Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
        pair.keys_match()
    {
        return Err(OAuthError::Config(format!(
            "client_key_file {} is not the key of the certificate in client_cert_file {}",
            shown(key_file),
            shown(cert_file)
        )));
    }
    // Both files as one PEM buffer: reqwest takes the certificates and the key from it.
    let mut pem = std::fs::read(cert_file)
        .map_err(|e| OAuthError::Config(format!("cannot read client_cert_file: {e}")))?;
    pem.push(b'\n');
    pem.extend(
        std::fs::read(key_file)
            .map_err(|e| OAuthError::Config(format!("cannot read client_key_file: {e}")))?,
    );
    reqwest::Identity::from_pem(&pem).map_err(|e| {
        OAuthError::Config(format!(
            "client_cert_file and client_key_file cannot be used together: {e}"
        ))
    })
}

/// The HTTP client presenting `p`'s certificate (made once per key pair and time limit).
pub fn client(p: &Profile, timeout: Duration) -> Result<reqwest::Client, OAuthError> {
    let (cert, key) = files(p)?;
    let k: Key = (
        cert.clone(),
        key.clone(),
        modified(&cert),
        modified(&key),
        timeout,
    );
    if let Some(c) = clients().lock().ok().and_then(|m| m.get(&k).cloned()) {
        return Ok(c);
    }
    let c = super::transport::client_with(timeout, Some(identity(&cert, &key)?))?;
    if let Ok(mut m) = clients().lock() {
        m.insert(k, c.clone());
    }
    Ok(c)
}
