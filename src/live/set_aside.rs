//! Inbox frames the live fold cannot apply, set aside in `live_set_aside` with their reason, so
//! that one gateway's frame never stops the fold for the zone (docs/reliability.md, "One frame
//! the live fold cannot apply"). The readings of a frame set aside are stored and counted as
//! usual; only the live state (fill gauges, events, the frame counter) does not see them.
//!
//! Two ways in: a frame whose times PostgreSQL cannot hold is set aside before anything is
//! written ([`unfit_time`]), inside the fold's own transaction; any other row the database
//! refuses is found by folding the inbox one row at a time after a refused fold
//! ([`set_aside_oldest`]).

use crate::store::{column, timed, Db, StoreError};
use crate::wire::{encode_frames, InboxFrame};
use std::time::Duration;
use tokio_postgres::GenericClient;

/// Frames of one gateway taken out of the live path, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside {
    /// The `live_inbox` row they came from; `None` for frames a gateway's counter held.
    pub inbox_id: Option<i64>,
    pub gateway: String,
    /// As in `live_inbox.frames` (src/wire/inbox.rs); undecodable bytes are kept as they were.
    pub frames: Vec<u8>,
    pub reason: String,
}

/// Why a time the fold derives from `f` (its base time, each reading's base time plus offset)
/// is one PostgreSQL cannot hold, if one is.
pub fn unfit_time(f: &InboxFrame) -> Option<String> {
    let base_ms = f.base.as_millis();
    if !f.base.fits_timestamptz() {
        return Some(format!("frame {}: base time {base_ms} ms is outside PostgreSQL's timestamp range", f.seq));
    }
    f.readings.iter().find_map(|r| match f.base.checked_add(r.offset()) {
        Some(t) if t.fits_timestamptz() => None,
        _ => Some(format!(
            "frame {}: reading time {base_ms} ms + {} ms is outside PostgreSQL's timestamp range",
            f.seq, r.offset_ms
        )),
    })
}

/// Keeps the frames the fold can apply; the others become one [`SetAside`] of `gateway`.
pub fn keep_fit(gateway: &str, inbox_id: Option<i64>, frames: Vec<InboxFrame>) -> (Vec<InboxFrame>, Option<SetAside>) {
    let (fit, unfit): (Vec<_>, Vec<_>) = frames.into_iter().partition(|f| unfit_time(f).is_none());
    let aside = unfit.first().and_then(unfit_time).map(|reason| SetAside {
        inbox_id,
        gateway: gateway.to_string(),
        frames: encode_frames(&unfit),
        reason,
    });
    (fit, aside)
}

/// Writes `rows` to `live_set_aside`.
pub async fn record(db: &impl GenericClient, rows: &[SetAside], limit: Duration) -> Result<(), StoreError> {
    for r in rows {
        timed(
            limit,
            db.execute(
                "INSERT INTO live_set_aside (inbox_id, gateway_id, frames, reason) VALUES ($1, $2, $3, $4)",
                &[&r.inbox_id, &r.gateway, &r.frames, &r.reason],
            ),
        )
        .await?;
    }
    Ok(())
}

/// Takes the oldest inbox row out of the inbox and sets it aside with `reason`, in a
/// transaction of its own; `None` when the inbox is empty.
pub async fn set_aside_oldest(db: &mut Db, reason: &str, limit: Duration) -> Result<Option<SetAside>, StoreError> {
    let tx = timed(limit, db.client.transaction()).await?;
    let row = timed(
        limit,
        tx.query_opt(
            "DELETE FROM live_inbox WHERE id = (SELECT min(id) FROM live_inbox) RETURNING id, gateway_id, frames",
            &[],
        ),
    )
    .await?;
    let Some(row) = row else { return Ok(None) };
    let aside = SetAside {
        inbox_id: Some(column(&row, "id")?),
        gateway: column(&row, "gateway_id")?,
        frames: column(&row, "frames")?,
        reason: reason.to_string(),
    };
    record(&tx, std::slice::from_ref(&aside), limit).await?;
    timed(limit, tx.commit()).await?;
    Ok(Some(aside))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Timestamp, PG_TIMESTAMP_END};
    use crate::wire::{decode_frames, InboxReading};

    const PG_TIMESTAMP_END_MS: i64 = PG_TIMESTAMP_END.as_millis();

    fn frame(seq: u32, base: i64, offsets: &[i64]) -> InboxFrame {
        let readings = offsets
            .iter()
            .map(|&offset_ms| InboxReading { attribution: 1, kind: 1, offset_ms, value_milli: 0 })
            .collect();
        InboxFrame { seq, base: Timestamp::from_millis(base), readings }
    }

    #[test]
    fn a_time_postgresql_cannot_hold_is_named() {
        assert_eq!(unfit_time(&frame(1, 1_700_000_000_000, &[0, 5_000])), None);
        assert_eq!(unfit_time(&frame(1, PG_TIMESTAMP_END_MS - 1, &[])), None);
        // The hostile tester's frame: a day past PostgreSQL's last timestamp.
        let why = unfit_time(&frame(7, PG_TIMESTAMP_END_MS + 86_400_000, &[])).unwrap();
        assert!(why.contains("frame 7") && why.contains("base time"), "{why}");
        // The base fits, one reading's time does not; an offset that overflows i64 neither.
        assert!(unfit_time(&frame(2, PG_TIMESTAMP_END_MS - 10, &[0, 10])).unwrap().contains("reading time"));
        assert!(unfit_time(&frame(3, 1, &[i64::MAX])).is_some());
    }

    #[test]
    fn only_the_unfit_frames_are_set_aside() {
        let bad = frame(2, PG_TIMESTAMP_END_MS, &[]);
        let frames = vec![frame(1, 1_000, &[]), bad.clone(), frame(3, 3_000, &[1])];
        let (fit, aside) = keep_fit("gw-1", Some(42), frames);
        assert_eq!(fit.iter().map(|f| f.seq).collect::<Vec<_>>(), [1, 3]);
        let aside = aside.expect("one set aside");
        assert_eq!((aside.inbox_id, aside.gateway.as_str()), (Some(42), "gw-1"));
        assert_eq!(decode_frames(&aside.frames).unwrap(), vec![bad]);
        assert!(keep_fit("gw-1", None, vec![frame(1, 1_000, &[])]).1.is_none());
    }
}
