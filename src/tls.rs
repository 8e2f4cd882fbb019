//! TLS client configuration (rustls with the ring provider) for the broker and the database,
//! and plain-language explanations of certificate failures.

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// Why a TLS client configuration could not be built. Each message names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {source}")]
    ReadFile { path: String, source: std::io::Error },
    /// `what` is "PEM certificates" or "a PEM private key".
    #[error("{path}: not {what}: {source}")]
    NotPem { path: String, what: &'static str, source: pem::Error },
    #[error("{path}: no certificate in it (expected PEM, -----BEGIN CERTIFICATE-----)")]
    NoCertificate { path: String },
    #[error("{path}: no private key in it (expected PEM, PKCS#8, PKCS#1 or SEC1)")]
    NoPrivateKey { path: String },
    #[error("{path}: not a usable CA certificate: {source}")]
    BadCa { path: String, source: rustls::Error },
    #[error("{cert} / {key}: the certificate and key do not go together: {source}")]
    KeyMismatch { cert: String, key: String, source: rustls::Error },
    #[error("no system CA certificates found; set a ca_file")]
    NoSystemCertificates,
    /// The crypto provider refused the default protocol versions.
    #[error(transparent)]
    Provider(rustls::Error),
}

/// Server certificates are checked against `ca_file` (PEM, one or more certificates) or, when
/// it is absent, the system's trust store; `client` is a (certificate, key) PEM pair for
/// client-certificate authentication.
pub fn client_config(ca_file: Option<&str>, client: Option<(&str, &str)>) -> Result<ClientConfig, TlsError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for cert in read_certs(path)? {
                roots.add(cert).map_err(|source| TlsError::BadCa { path: path.to_string(), source })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(TlsError::NoSystemCertificates);
            }
        }
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Provider)?
        .with_root_certificates(roots);
    match client {
        Some((cert_file, key_file)) => {
            let certs = read_certs(cert_file)?;
            let key = read_key(key_file)?;
            builder.with_client_auth_cert(certs, key).map_err(|source| TlsError::KeyMismatch {
                cert: cert_file.to_string(),
                key: key_file.to_string(),
                source,
            })
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::ReadFile { path: path.to_string(), source })
}

/// Every certificate in the file, in order; sections of other kinds are skipped.
fn read_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read_file(path)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::NotPem { path: path.to_string(), what: "PEM certificates", source })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_string() });
    }
    Ok(certs)
}

/// The first private key in the file (PKCS#8, PKCS#1 or SEC1); sections of other kinds are
/// skipped.
fn read_key(path: &str) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read_file(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| match e {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey { path: path.to_string() },
        source => TlsError::NotPem { path: path.to_string(), what: "a PEM private key", source },
    })
}

/// Adds what to do to a TLS error message, for the usual certificate mistakes. `what` names
/// the setting holding the CA (`mqtt.ca_file`, `database.ca_file`).
pub fn explain(error: &str, what: &str) -> String {
    let hint = if error.contains("UnknownIssuer") || error.contains("unknown issuer") {
        format!("the server's certificate is not signed by a trusted CA: check {what}")
    } else if error.contains("Expired") || error.contains("certificate expired") {
        "the server's certificate has expired: renew it on the server".to_string()
    } else if error.contains("NotValidYet") {
        "the server's certificate is not valid yet: check the clocks".to_string()
    } else if error.contains("NotValidForName") || error.contains("not valid for name") {
        "the server's certificate does not name the host in the URL: connect with a name it lists".to_string()
    } else if error.contains("CertificateRequired") || error.contains("certificate required") {
        "the server wants a client certificate: set cert_file and key_file".to_string()
    } else if error.contains("BadCertificate") || error.contains("UnknownCA") || error.contains("unknown ca") {
        "the server refused our client certificate: it must be signed by a CA the server trusts".to_string()
    } else {
        return error.to_string();
    };
    format!("{error} ({hint})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_the_usual_mistakes_and_leaves_others_alone() {
        let e = "TLS: invalid peer certificate: UnknownIssuer";
        assert!(explain(e, "mqtt.ca_file").ends_with("check mqtt.ca_file)"));
        assert!(explain("invalid peer certificate: Expired", "x").contains("expired"));
        assert!(explain("NotValidForName", "x").contains("does not name the host"));
        assert_eq!(explain("connection refused", "x"), "connection refused");
    }

    #[test]
    fn missing_files_are_named() {
        let e = client_config(Some("/nonexistent/ca.pem"), None).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }

    /// Writes `files` (name, contents) into a fresh directory; returns the paths in order.
    fn files(test: &str, files: &[(&str, &str)]) -> Vec<String> {
        let dir = std::env::temp_dir().join(format!("wasteflow-tls-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        files
            .iter()
            .map(|(name, text)| {
                let path = dir.join(name);
                std::fs::write(&path, text).unwrap();
                path.to_str().unwrap().to_string()
            })
            .collect()
    }

    fn self_signed(name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap().self_signed(&key).unwrap();
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn pem_files_are_read_and_their_mistakes_named() {
        let (cert, key) = self_signed("a.example");
        let (_, other_key) = self_signed("b.example");
        let both = format!("{cert}{key}");
        let broken = "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n";
        let p = files(
            "pem",
            &[
                ("cert.pem", &cert),
                ("key.pem", &key),
                ("other.pem", &other_key),
                ("both.pem", &both),
                ("text", "hello\n"),
                ("broken.pem", broken),
            ],
        );
        let (cert, key, other, both, text, broken) = (&*p[0], &*p[1], &*p[2], &*p[3], &*p[4], &*p[5]);

        assert!(client_config(Some(cert), Some((cert, key))).is_ok());
        // Sections of the other kind are skipped: one file can hold both.
        assert!(client_config(Some(both), Some((both, both))).is_ok());

        let e = client_config(Some(text), None).unwrap_err();
        assert!(matches!(e, TlsError::NoCertificate { .. }), "{e:?}");
        assert!(e.to_string().contains("no certificate in it"), "{e}");
        let e = client_config(Some(key), None).unwrap_err();
        assert!(matches!(e, TlsError::NoCertificate { .. }), "{e:?}");
        let e = client_config(Some(broken), None).unwrap_err();
        assert!(matches!(e, TlsError::NotPem { .. }), "{e:?}");
        assert!(e.to_string().starts_with(&format!("{broken}: not PEM certificates: ")), "{e}");
        let e = client_config(Some(cert), Some((cert, cert))).unwrap_err();
        assert!(matches!(e, TlsError::NoPrivateKey { .. }), "{e:?}");
        assert!(e.to_string().contains("no private key in it (expected PEM, PKCS#8, PKCS#1 or SEC1)"), "{e}");
        let e = client_config(Some(cert), Some((cert, other))).unwrap_err();
        assert!(matches!(e, TlsError::KeyMismatch { .. }), "{e:?}");
        assert!(e.to_string().contains("the certificate and key do not go together"), "{e}");
        let e = client_config(Some("/nonexistent/ca.pem"), None).unwrap_err();
        assert!(matches!(e, TlsError::ReadFile { .. }), "{e:?}");
        assert!(e.to_string().starts_with("cannot read /nonexistent/ca.pem: "), "{e}");
        // Kept if an assertion above failed, to be looked at.
        let _ = std::fs::remove_dir_all(std::path::Path::new(cert).parent().unwrap());
    }
}
