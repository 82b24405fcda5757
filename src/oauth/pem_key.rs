//! Reading PEM files of private keys and certificates (mTLS, signed client assertions): each
//! failure names the file and what is wrong with it.

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;

/// Why a key or certificate file cannot be used; the text names the setting and the file.
#[derive(Debug, thiserror::Error)]
#[error("{setting} {path}: {problem}")]
pub struct PemFileError {
    pub setting: &'static str,
    pub path: String,
    pub problem: String,
}

fn fail(setting: &'static str, path: &Path, problem: impl Into<String>) -> PemFileError {
    PemFileError {
        setting,
        path: crate::text::safe(&path.display().to_string()).into_owned(),
        problem: problem.into(),
    }
}

fn read(setting: &'static str, path: &Path) -> Result<Vec<u8>, PemFileError> {
    std::fs::read(path).map_err(|e| fail(setting, path, format!("cannot be read ({e})")))
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 RSA or SEC1 EC).
pub fn read_private_key(
    setting: &'static str,
    path: &Path,
) -> Result<PrivateKeyDer<'static>, PemFileError> {
    let bytes = crate::client_key::read_key_file(path).map_err(|e| fail(setting, path, e))?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|_| {
        fail(
            setting,
            path,
            "holds no PEM private key (BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
        )
    })
}

/// The certificates of a PEM file, the client's own first.
pub fn read_certificates(
    setting: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, PemFileError> {
    let bytes = read(setting, path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<_, _>>()
        .map_err(|_| fail(setting, path, "is not a PEM file of certificates"))?;
    if certs.is_empty() {
        return Err(fail(
            setting,
            path,
            "holds no certificate (BEGIN CERTIFICATE)",
        ));
    }
    Ok(certs)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the test makes the files it reads
mod tests {
    use super::*;

    #[test]
    fn failures_name_the_setting_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let e = read_private_key("client_key_file", &missing).unwrap_err();
        assert!(e.to_string().starts_with("client_key_file "), "{e}");
        assert!(e.to_string().contains("nope.pem"), "{e}");
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not pem").unwrap();
        let private = std::os::unix::fs::PermissionsExt::from_mode(0o600);
        std::fs::set_permissions(&junk, private).unwrap();
        assert!(read_private_key("client_key_file", &junk)
            .unwrap_err()
            .to_string()
            .contains("no PEM private key"));
        assert!(read_certificates("client_cert_file", &junk)
            .unwrap_err()
            .to_string()
            .contains("no certificate"));
    }
}
