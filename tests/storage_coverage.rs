//! Storage suite: `weighing_coverage_monthly` (docs/kpis.md, "Freshness and coverage") counts a
//! weighing in the local month it was weighed in, and shows a month with none.

mod common;
use common::storage::{batch_of, weighing, StorageTarget};
use wasteflow::store::prepare;
use wasteflow::zone::Zone;

/// 2027-01-31T23:30:00Z: 00:30 on 1 February in Paris (UTC+1).
const FEB_1_0030_PARIS: u64 = 1_801_438_200_000;
/// 2026-12-15T12:00:00Z.
const DEC_15: u64 = 1_797_336_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighing_at_half_past_midnight_on_the_first_counts_in_that_month() {
    let target = StorageTarget::new().await;
    let zone = Zone::load(&common::zone_file()).unwrap();
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    let zone = zone.with_ids(prepared.ids);
    let mut writer = target.writer();
    writer
        .write(&batch_of(vec![
            weighing(&zone, "beton-artois", "gw-ba-01", 2, 1_000.0, DEC_15),
            weighing(&zone, "beton-artois", "gw-ba-01", 2, 2_000.0, FEB_1_0030_PARIS),
        ]))
        .await
        .expect("write");
    writer.close().await;
    let db = target.connect().await;
    let rows = db
        .client
        .query(
            "SELECT to_char(month AT TIME ZONE 'Europe/Paris', 'YYYY-MM') AS m, weighings, weighed_t
             FROM weighing_coverage_monthly WHERE company_id = 'beton-artois' ORDER BY month",
            &[],
        )
        .await
        .unwrap();
    let got: Vec<(String, i64, f64)> = rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    // December: 1 t; January: nothing (a month with none); February: the 2 t weighed at 00:30
    // local on the 1st (still 31 January in UTC).
    assert_eq!(
        got,
        vec![("2026-12".into(), 1, 1.0), ("2027-01".into(), 0, 0.0), ("2027-02".into(), 1, 2.0)],
        "{got:?}"
    );
    db.close().await;
}
