//! TLS client configuration (rustls with the ring provider) for the broker and the database,
//! and plain-language explanations of certificate failures.

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// Server certificates are checked against `ca_file` (PEM, one or more certificates) or, when
/// it is absent, the system's trust store; `client` is a (certificate, key) PEM pair for
/// client-certificate authentication.
pub fn client_config(ca_file: Option<&str>, client: Option<(&str, &str)>) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for cert in read_certs(path)? {
                roots.add(cert).map_err(|e| format!("{path}: not a usable CA certificate: {e}"))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err("no system CA certificates found; set a ca_file".into());
            }
        }
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots);
    match client {
        Some((cert_file, key_file)) => {
            let certs = read_certs(cert_file)?;
            let key = read_key(key_file)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("{cert_file} / {key_file}: the certificate and key do not go together: {e}"))
        }
        None => Ok(builder.with_no_client_auth()),
    }
}

fn read_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{path}: not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{path}: no certificate in it (expected PEM, -----BEGIN CERTIFICATE-----)"));
    }
    Ok(certs)
}

fn read_key(path: &str) -> Result<PrivateKeyDer<'static>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| format!("{path}: not a PEM private key: {e}"))?
        .ok_or_else(|| format!("{path}: no private key in it (expected PEM, PKCS#8, PKCS#1 or SEC1)"))
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
        let e = client_config(Some("/nonexistent/ca.pem"), None).unwrap_err();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }
}
