//! rumqttc options from the `[mqtt]` section.

use crate::config::{parse_mqtt_url, MqttSettings};
use rumqttc::v5::MqttOptions;

/// Builds MQTT 5 options: persistent session (clean start off, session expiry set), manual
/// acks, receive maximum, and a packet size limit above the payload cap so oversized payloads
/// reach us and are dead-lettered instead of being dropped by the broker.
pub fn mqtt_options(s: &MqttSettings) -> Result<MqttOptions, String> {
    let ep = parse_mqtt_url(&s.url)?;
    if ep.tls {
        return Err(
            "mqtts:// is not supported by this build yet; use mqtt:// behind a TLS-terminating broker listener".into(),
        );
    }
    let mut o = MqttOptions::new(ep.client_id, ep.host, ep.port);
    o.set_keep_alive(s.keep_alive);
    o.set_clean_start(false);
    o.set_session_expiry_interval(Some(s.session_expiry.as_secs().min(u64::from(u32::MAX)) as u32));
    o.set_receive_maximum(Some(s.receive_maximum));
    o.set_manual_acks(true);
    let packet = (s.max_payload_bytes.saturating_mul(2).saturating_add(1024)).clamp(16 * 1024, 64 * 1024 * 1024);
    o.set_max_packet_size(Some(packet as u32));
    // Room for one ack per message in flight, plus subscribe/disconnect.
    o.set_request_channel_capacity(usize::from(s.receive_maximum) * 2 + 16);
    if let Some(user) = &s.username {
        let password = match &s.password_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read mqtt.password_file {path}: {e}"))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
            None => String::new(),
        };
        o.set_credentials(user.clone(), password);
    }
    Ok(o)
}
