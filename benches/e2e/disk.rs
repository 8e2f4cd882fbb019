//! Disk per reading: what the `readings` table of a filled database takes, whichever schema.

use super::common::*;

/// Size of `readings` after `VACUUM (ANALYZE)`.
#[derive(Debug, Clone, Copy)]
pub struct Disk {
    pub readings: i64,
    /// `pg_table_size`: heap, TOAST, free space and visibility maps.
    pub heap_bytes: i64,
    /// `pg_indexes_size`: every index of the table (the primary key included).
    pub index_bytes: i64,
    /// `avg(pg_column_size(r.*))`: the average row as stored (tuple header included).
    pub avg_row_bytes: f64,
}

impl Disk {
    pub fn heap_per_reading(&self) -> f64 {
        self.heap_bytes as f64 / self.readings.max(1) as f64
    }

    pub fn index_per_reading(&self) -> f64 {
        self.index_bytes as f64 / self.readings.max(1) as f64
    }

    pub fn total_per_reading(&self) -> f64 {
        self.heap_per_reading() + self.index_per_reading()
    }

    /// "heap + indexes = total" in bytes per reading.
    pub fn describe(&self) -> String {
        format!("{:.1} + {:.1} = {:.1}", self.heap_per_reading(), self.index_per_reading(), self.total_per_reading())
    }
}

/// Vacuums and analyses `readings`, then measures it (on plain PostgreSQL; a TimescaleDB
/// hypertable keeps its rows in chunks, which these functions do not count).
pub async fn disk_per_reading(db: &TestDb) -> Disk {
    let c = db.client().await;
    c.batch_execute("VACUUM (ANALYZE) readings").await.expect("VACUUM (ANALYZE) readings");
    let row = c
        .query_one(
            "SELECT (SELECT count(*) FROM readings), pg_table_size('readings'), pg_indexes_size('readings'),
                    (SELECT coalesce(avg(pg_column_size(r.*)), 0)::float8 FROM readings r)",
            &[],
        )
        .await
        .expect("readings size");
    Disk { readings: row.get(0), heap_bytes: row.get(1), index_bytes: row.get(2), avg_row_bytes: row.get(3) }
}
