//! The last resort for a dead letter the database refuses to store (an operator's constraint
//! on `rejected_messages`, say): it is appended to a file on disk, one JSON object per line,
//! and synced before the batch is acknowledged, so that nothing is lost and no gateway waits
//! for it. The lines hold `rejected_messages`' own columns, so that they can be loaded back
//! with SQL once the cause is fixed (docs/reliability.md, "A dead letter the database
//! refuses"). Never deletes or rewrites the file.

use super::error::Refusal;
use super::identity::message_sha256;
use crate::batch::Batch;
use crate::calendar::Timestamp;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// One line of the spool: a row of `rejected_messages`, and why the database refused it.
#[derive(Debug, Serialize)]
struct Line<'a> {
    spooled_at: String,
    received_at: String,
    topic: &'a str,
    gateway_id: Option<&'a str>,
    company_id: Option<&'a str>,
    reason: &'a str,
    detail: &'a str,
    reading_index: i32,
    payload_hex: String,
    message_sha256_hex: String,
    refused_sqlstate: &'a str,
    refused_constraint: Option<&'a str>,
    refused_message: &'a str,
}

fn rfc3339(t: Timestamp) -> String {
    humantime::format_rfc3339_millis(t.system_time()).to_string()
}

/// Appends the dead letters of `letters`' messages `refused` (indices into its spans, with
/// what the server said) to the spool at `path`, and syncs it. Returns how many rows it wrote.
pub fn append(path: &Path, letters: &Batch, refused: &[(usize, Refusal)]) -> std::io::Result<usize> {
    let now = rfc3339(Timestamp::now());
    let mut text = String::new();
    let mut rows = 0;
    for (i, refusal) in refused {
        let s = &letters.spans[*i];
        let identity = hex::encode(message_sha256(&s.topic, &s.payload));
        for r in &letters.rejects[s.rejects.clone()] {
            let line = Line {
                spooled_at: now.clone(),
                received_at: rfc3339(s.received),
                topic: &r.topic,
                gateway_id: r.gateway.as_deref(),
                company_id: r.company.as_deref(),
                reason: r.reason.code(),
                detail: &r.detail,
                reading_index: r.reading_index,
                payload_hex: hex::encode(&r.payload),
                message_sha256_hex: identity.clone(),
                refused_sqlstate: &refusal.sqlstate,
                refused_constraint: refusal.constraint.as_deref(),
                refused_message: &refusal.message,
            };
            text.push_str(&serde_json::to_string(&line).map_err(std::io::Error::other)?);
            text.push('\n');
            rows += 1;
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Checked;
    use crate::wire::{RejectReason, Rejection, WHOLE_MESSAGE};

    #[test]
    fn lines_hold_the_row_and_the_refusal_and_are_appended() {
        let path = std::env::temp_dir().join(format!("wf-spool-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut letters = Batch::default();
        let rejection = Rejection {
            topic: "zone/a/gw/up".into(),
            gateway: Some("gw".into()),
            company: None,
            reason: RejectReason::DatabaseRefused,
            detail: "23514 \"quoted\"\\".into(),
            payload: bytes::Bytes::from_static(&[0, 1, 0xff]),
            reading_index: WHOLE_MESSAGE,
        };
        let checked = Checked { readings: vec![], rejects: vec![rejection], frame: None };
        letters.push_message(
            "zone/a/gw/up".into(),
            bytes::Bytes::from_static(&[0, 1, 0xff]),
            Timestamp::from_millis(0),
            None,
            None,
            checked,
        );
        let refusal = Refusal { sqlstate: "23514".into(), message: "violates".into(), constraint: Some("no".into()) };
        assert_eq!(append(&path, &letters, &[(0, refusal.clone())]).unwrap(), 1);
        assert_eq!(append(&path, &letters, &[(0, refusal)]).unwrap(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2, "appended, not rewritten");
        assert_eq!(lines[0]["payload_hex"], "0001ff");
        assert_eq!(lines[0]["detail"], "23514 \"quoted\"\\");
        assert_eq!(lines[0]["received_at"], "1970-01-01T00:00:00.000Z");
        assert_eq!(lines[0]["reading_index"], WHOLE_MESSAGE);
        assert_eq!(lines[0]["refused_constraint"], "no");
        assert_eq!(lines[0]["message_sha256_hex"], hex::encode(message_sha256("zone/a/gw/up", &[0, 1, 0xff])));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_file(&path).unwrap();
    }
}
