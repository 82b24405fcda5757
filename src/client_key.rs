//! A client's private key for `private_key_jwt` (RFC 7523 §2.2): read from the profile's
//! `client_key_file` (PEM), its JWS algorithm chosen by its type. The key never leaves this
//! module except as signatures, and no error message carries any of its bytes.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING,
    ECDSA_P384_SHA384_FIXED_SIGNING, RSA_PKCS1_SHA256,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::PrivateKeyDer;
use std::path::Path;

/// A key file is a few kilobytes; anything much larger is not one.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// The JWS algorithms a client assertion may be signed with (RFC 7518, RFC 8037).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Rs256,
    Es256,
    Es384,
    EdDsa,
    /// `client_secret_jwt`: HMAC with the client secret.
    Hs256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
            Alg::Hs256 => "HS256",
        }
    }

    /// Whether metadata naming `listed` allows this algorithm (RFC 9864 names Ed25519 keys'
    /// signatures `Ed25519` as well as `EdDSA`).
    pub fn is_listed(self, listed: &str) -> bool {
        listed == self.as_str() || (self == Alg::EdDsa && listed == "Ed25519")
    }
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair, Alg),
    Ed(Ed25519KeyPair),
}

/// A private key ready to sign.
pub struct ClientKey(Pair);

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientKey({}, redacted)", self.alg().as_str())
    }
}

impl ClientKey {
    /// The key in a PEM text: PKCS#8 (`BEGIN PRIVATE KEY`) RSA, EC P-256/P-384 or Ed25519, or
    /// the older `BEGIN RSA PRIVATE KEY` / `BEGIN EC PRIVATE KEY` forms. The error says what
    /// was found, never the key.
    pub fn from_pem(pem: &[u8]) -> Result<ClientKey, String> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
            rustls_pki_types::pem::Error::NoItemsFound => {
                if contains(pem, b"ENCRYPTED PRIVATE KEY") {
                    "the key is encrypted; pancred needs it unencrypted (`openssl pkey -in \
                     KEY -out PLAIN`) in a file only you can read"
                        .to_string()
                } else {
                    "no private key in it (PEM `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY` or \
                     `BEGIN EC PRIVATE KEY`)"
                        .to_string()
                }
            }
            _ => "not a readable PEM file".to_string(),
        })?;
        let unsupported = || {
            "not a key type pancred signs with: use RSA (2048 bits or more, RS256), EC P-256 \
             (ES256), EC P-384 (ES384) or Ed25519 (EdDSA)"
                .to_string()
        };
        let pair = match &der {
            PrivateKeyDer::Pkcs1(k) => {
                Pair::Rsa(RsaKeyPair::from_der(k.secret_pkcs1_der()).map_err(|_| unsupported())?)
            }
            PrivateKeyDer::Sec1(k) => ec(k.secret_sec1_der()).ok_or_else(unsupported)?,
            PrivateKeyDer::Pkcs8(k) => {
                let bytes = k.secret_pkcs8_der();
                if let Ok(rsa) = RsaKeyPair::from_pkcs8(bytes) {
                    Pair::Rsa(rsa)
                } else if let Ok(ed) = Ed25519KeyPair::from_pkcs8(bytes) {
                    Pair::Ed(ed)
                } else {
                    ec(bytes).ok_or_else(unsupported)?
                }
            }
            _ => return Err(unsupported()),
        };
        Ok(ClientKey(pair))
    }

    /// The key in the file at `path` ([`read_key_file`]).
    pub fn from_file(path: &Path) -> Result<ClientKey, String> {
        Self::from_pem(&read_key_file(path)?)
    }

    pub fn alg(&self) -> Alg {
        match &self.0 {
            Pair::Rsa(_) => Alg::Rs256,
            Pair::Ec(_, alg) => *alg,
            Pair::Ed(_) => Alg::EdDsa,
        }
    }

    /// The public key: DER SubjectPublicKeyInfo-less bytes as the signature verifiers take them.
    pub fn public_key(&self) -> Vec<u8> {
        match &self.0 {
            Pair::Rsa(k) => k.public_key().as_ref().to_vec(),
            Pair::Ec(k, _) => k.public_key().as_ref().to_vec(),
            Pair::Ed(k) => k.public_key().as_ref().to_vec(),
        }
    }

    /// The JWS signature of `message` (ECDSA as the fixed-width `r || s` JWS wants).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        let failed = |_| "the key could not sign".to_string();
        match &self.0 {
            Pair::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            Pair::Ec(k, _) => Ok(k.sign(&rng, message).map_err(failed)?.as_ref().to_vec()),
            Pair::Ed(k) => Ok(k.sign(message).as_ref().to_vec()),
        }
    }
}

/// An EC key (PKCS#8 or SEC1) on a curve pancred signs with.
fn ec(der: &[u8]) -> Option<Pair> {
    [
        (&ECDSA_P256_SHA256_FIXED_SIGNING, Alg::Es256),
        (&ECDSA_P384_SHA384_FIXED_SIGNING, Alg::Es384),
    ]
    .into_iter()
    .find_map(|(signing, alg)| {
        EcdsaKeyPair::from_private_key_der(signing, der)
            .ok()
            .map(|k| Pair::Ec(k, alg))
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The bytes of a private key file (signed assertions, mTLS): the user's own, readable by nobody
/// else, a regular file of bounded size; else refused, saying why.
pub fn read_key_file(path: &Path) -> Result<Vec<u8>, String> {
    if let Some(why) = crate::files::readable_by_others(path) {
        return Err(format!("{why} (a private key must be yours alone)"));
    }
    crate::files::read_regular(path, MAX_KEY_FILE)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no such file".to_string())
}

/// What the form and `init` say about a `client_key_file` setting: `Ok` with the algorithm when
/// the file holds a usable key, else why not (naming the file).
pub fn check_file(path: &str) -> Result<Alg, String> {
    let path = Path::new(path);
    if !path.is_absolute() {
        return Err("give the key file's absolute path".into());
    }
    ClientKey::from_file(path)
        .map(|k| k.alg())
        .map_err(|e| format!("{}: {e}", crate::text::Safe(&path.display().to_string())))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer;
    use base64::Engine as _;

    pub(crate) fn pem(label: &str, der: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    pub(crate) fn ec_pem() -> String {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        pem("PRIVATE KEY", doc.as_ref())
    }

    pub(crate) fn ed_pem() -> String {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        pem("PRIVATE KEY", doc.as_ref())
    }

    pub(crate) fn rsa_pem() -> String {
        let k = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der: aws_lc_rs::encoding::Pkcs8V1Der = k.as_der().unwrap();
        pem("PRIVATE KEY", der.as_ref())
    }

    #[test]
    fn each_key_type_gets_its_algorithm() {
        assert_eq!(
            ClientKey::from_pem(ec_pem().as_bytes()).unwrap().alg(),
            Alg::Es256
        );
        assert_eq!(
            ClientKey::from_pem(ed_pem().as_bytes()).unwrap().alg(),
            Alg::EdDsa
        );
        assert_eq!(
            ClientKey::from_pem(rsa_pem().as_bytes()).unwrap().alg(),
            Alg::Rs256
        );
    }

    #[test]
    fn the_older_ec_form_is_read() {
        let k = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
        let sec1: aws_lc_rs::encoding::EcPrivateKeyRfc5915Der = k.private_key().as_der().unwrap();
        let key = ClientKey::from_pem(pem("EC PRIVATE KEY", sec1.as_ref()).as_bytes()).unwrap();
        assert_eq!(key.alg(), Alg::Es256);
    }

    #[test]
    fn what_is_not_a_usable_key_is_named_without_its_bytes() {
        let e = ClientKey::from_pem(b"hello").unwrap_err();
        assert!(e.contains("no private key"), "{e}");
        let e = ClientKey::from_pem(pem("ENCRYPTED PRIVATE KEY", b"xx").as_bytes()).unwrap_err();
        assert!(e.contains("encrypted"), "{e}");
        let e = ClientKey::from_pem(pem("PRIVATE KEY", b"not der at all").as_bytes()).unwrap_err();
        assert!(e.contains("not a key type"), "{e}");
        let public = pem("PUBLIC KEY", b"xx");
        assert!(ClientKey::from_pem(public.as_bytes()).is_err());
    }

    #[test]
    fn debug_shows_no_key() {
        let key = ClientKey::from_pem(ed_pem().as_bytes()).unwrap();
        assert_eq!(format!("{key:?}"), "ClientKey(EdDSA, redacted)");
    }

    #[cfg(unix)]
    #[test]
    #[allow(clippy::disallowed_methods)] // the test makes the files it reads
    fn a_key_file_others_can_read_is_refused_and_a_missing_one_named() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("client.pem");
        let e = check_file(f.to_str().unwrap()).unwrap_err();
        assert!(
            e.contains("client.pem") && e.contains("no such file"),
            "{e}"
        );
        std::fs::write(&f, ec_pem()).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = check_file(f.to_str().unwrap()).unwrap_err();
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(check_file(f.to_str().unwrap()), Ok(Alg::Es256));
        assert!(check_file("relative.pem").is_err());
    }
}
