//! rumqttc options from the `[mqtt]` section.

use super::error::SourceError;
use crate::config::{parse_mqtt_url, MqttSettings};
use rumqttc::v5::MqttOptions;

/// Packet ids for the daemon's own requests (subscribe, unsubscribe): one at a time is ever
/// in flight.
const OUTGOING_PACKET_IDS: u16 = 16;

/// Requests (acks, subscribe, unsubscribe, disconnect) queued to rumqttc's event loop.
const REQUEST_CHANNEL: usize = 1024;

/// Builds MQTT 5 options: persistent session (clean start off, session expiry set), manual
/// acks, receive maximum, and the packet size limit `mqtt.max_packet_bytes`: above what the
/// broker accepts, so oversized payloads reach us and are dead-lettered instead of being
/// dropped by the broker.
pub fn mqtt_options(s: &MqttSettings) -> Result<MqttOptions, SourceError> {
    let ep = parse_mqtt_url(&s.url)?;
    let tls = if ep.tls {
        let client = match (&s.cert_file, &s.key_file) {
            (Some(c), Some(k)) => Some((c.as_str(), k.as_str())),
            (None, None) => None,
            _ => return Err(SourceError::ClientCertificatePair),
        };
        let config = crate::tls::client_config(s.ca_file.as_deref(), client)?;
        Some(rumqttc::Transport::tls_with_config(rumqttc::TlsConfiguration::Rustls(std::sync::Arc::new(config))))
    } else {
        None
    };
    let mut o = MqttOptions::new(ep.client_id, ep.host, ep.port);
    if let Some(transport) = tls {
        o.set_transport(transport);
    }
    o.set_keep_alive(s.keep_alive);
    o.set_clean_start(false);
    o.set_session_expiry_interval(Some(s.session_expiry.as_secs().min(u64::from(u32::MAX)) as u32));
    o.set_receive_maximum(Some(s.receive_maximum));
    o.set_manual_acks(true);
    o.set_max_packet_size(Some(u32::try_from(s.max_packet_bytes).unwrap_or(u32::MAX)));
    // The daemon publishes nothing on this connection (it subscribes and acks): rumqttc keeps
    // a slot per outgoing packet id in flight, 65,535 of them (14 MiB) unless told otherwise.
    // Subscribe and unsubscribe take their ids from the same range.
    o.set_outgoing_inflight_upper_limit(OUTGOING_PACKET_IDS);
    // Acks wait in the source's ledger (a few bytes per run of packet ids) until this channel
    // has room; rumqttc takes one request per turn of its event loop, so a short channel
    // keeps it busy. Each slot is a whole request (about 220 bytes): the receive maximum
    // twice over was 3.5 MiB during a catch-up.
    o.set_request_channel_capacity(REQUEST_CHANNEL);
    if let Some(user) = &s.username {
        let password = match &s.password_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|source| SourceError::PasswordFile { path: path.clone(), source })?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
            None => String::new(),
        };
        o.set_credentials(user.clone(), password);
    }
    Ok(o)
}
