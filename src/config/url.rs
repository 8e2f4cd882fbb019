//! The broker URL, in rumqttc's form `mqtt://host:port?client_id=NAME`.

/// Where and as whom to connect to the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttEndpoint {
    pub host: String,
    pub port: u16,
    pub client_id: String,
    pub tls: bool,
}

/// Why a broker URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a URL ({0}); use mqtt://host:1883?client_id=wasteflow")]
    NotAUrl(url::ParseError),
    #[error("scheme {0:?} is not supported; use mqtt:// or mqtts://")]
    Scheme(String),
    #[error("the URL names no host")]
    NoHost,
    #[error("unknown URL parameter {0:?}; only client_id is read")]
    UnknownParameter(String),
    #[error("the URL needs ?client_id=NAME (a fixed id keeps the persistent session)")]
    NoClientId,
}

/// Parses `mqtt://host[:port]?client_id=NAME` or `mqtts://...`. The client id is required:
/// it names the persistent session, so a random one would lose the backlog at each restart.
pub fn parse_mqtt_url(raw: &str) -> Result<MqttEndpoint, UrlError> {
    let url = url::Url::parse(raw).map_err(UrlError::NotAUrl)?;
    let tls = match url.scheme() {
        "mqtt" | "tcp" => false,
        "mqtts" | "ssl" => true,
        other => return Err(UrlError::Scheme(other.to_string())),
    };
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or(UrlError::NoHost)?.to_string();
    let port = url.port().unwrap_or(if tls { 8883 } else { 1883 });
    let mut client_id = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "client_id" => client_id = Some(v.to_string()),
            other => return Err(UrlError::UnknownParameter(other.to_string())),
        }
    }
    let client_id = client_id.filter(|c| !c.is_empty()).ok_or(UrlError::NoClientId)?;
    Ok(MqttEndpoint { host, port, client_id, tls })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rumqttc_form() {
        let e = parse_mqtt_url("mqtt://10.0.0.5:1884?client_id=wf-1").unwrap();
        assert_eq!(e, MqttEndpoint { host: "10.0.0.5".into(), port: 1884, client_id: "wf-1".into(), tls: false });
        assert_eq!(parse_mqtt_url("mqtts://b?client_id=a").unwrap().port, 8883);
    }

    #[test]
    fn refuses_missing_client_id_and_bad_scheme() {
        assert!(parse_mqtt_url("mqtt://b:1883").unwrap_err().to_string().contains("client_id"));
        assert!(parse_mqtt_url("http://b?client_id=a").unwrap_err().to_string().contains("scheme"));
    }
}
