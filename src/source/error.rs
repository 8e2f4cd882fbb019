//! Why the MQTT client cannot be set up from the `[mqtt]` section.

use crate::config::UrlError;
use crate::tls::TlsError;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Url(#[from] UrlError),
    #[error("mqtt TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("mqtt.cert_file and mqtt.key_file go together: set both or neither")]
    ClientCertificatePair,
    #[error("cannot read mqtt.password_file {path}: {source}")]
    PasswordFile { path: String, source: std::io::Error },
}
