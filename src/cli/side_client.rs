//! MQTT clients of `check-config --connect`'s own, beside a running daemon.

use super::connect_error::ConnectError;
use crate::config::Settings;
use crate::source::mqtt_options;
use rumqttc::v5::MqttOptions;

/// Options for a client of the check's own, beside the daemon: never the daemon's client id
/// (that would take over its session), `<id>-<role>-<pid>`, acks on receipt, with the given
/// clean start and session expiry (`None`: no session left behind).
pub fn side_client(s: &Settings, role: &str, clean: bool, expiry: Option<u32>) -> Result<MqttOptions, ConnectError> {
    let mut o = mqtt_options(&s.mqtt)?;
    let id = format!("{}-{role}-{}", o.client_id(), std::process::id());
    o.set_client_id(id);
    o.set_clean_start(clean);
    o.set_session_expiry_interval(expiry);
    o.set_manual_acks(false);
    // The queue probe publishes through one: rumqttc's own limit, not the daemon's (which
    // publishes nothing).
    o.set_outgoing_inflight_upper_limit(u16::MAX);
    Ok(o)
}
