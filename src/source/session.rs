//! Ending a connection, and ending a session: what a source does last.

use crate::metrics as m;
use rumqttc::v5::mqttbytes::v5::Packet;
use rumqttc::v5::{AsyncClient, Event, EventLoop, MqttOptions};
use rumqttc::Outgoing;
use std::time::Duration;

/// Asks for a DISCONNECT and lets the event loop write it (bounded: 2 s).
pub(super) async fn disconnect(client: &AsyncClient, eventloop: &mut EventLoop) {
    let _ = client.try_disconnect();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
}

/// Ends the session of `options`' client id, which must hold nothing any more (the broker
/// discards it and whatever it holds). MQTT 5 lets a DISCONNECT set the session expiry to 0,
/// but rumqttc 0.25 sends no DISCONNECT properties; a connection with Clean Start and no
/// session expiry does the same: the broker discards the old session when it accepts the
/// connection, and the new one ends with it. Bounded (5 s); a failure is logged: the session
/// then lingers, empty and subscribed to nothing, until `mqtt.session_expiry`.
pub(super) async fn end(mut options: MqttOptions) {
    options.set_clean_start(true);
    options.set_session_expiry_interval(None);
    let (client, mut eventloop) = AsyncClient::new(options, 4);
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    m::mqtt_connected(true);
                    disconnect(&client, &mut eventloop).await;
                    m::mqtt_connected(false);
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    })
    .await;
    match ended {
        Ok(Ok(())) => tracing::info!("session ended: the broker keeps nothing for this client id"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "cannot end the (empty) session; it expires after mqtt.session_expiry")
        }
        Err(_) => tracing::warn!("cannot end the (empty) session within 5 s; it expires after mqtt.session_expiry"),
    }
}
