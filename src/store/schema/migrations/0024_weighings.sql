-- Weighings (issue 29): every stored net-mass reading (kind 1, NetMassKg) once more, in a plain
-- table that the batch writes in the transaction that stores the reading (src/store/writer.rs).
-- A weighing is a collection: a few rows a day for a zone, where `readings` holds every fill
-- level. The queries that pick weighings out of a long span (the company report's weighings
-- above capacity over a year, the company detail's panel of them) read this table. On
-- TimescaleDB `readings` is a hypertable of daily chunks, and a query over a year of it plans
-- 365 chunks whatever it returns (docs/performance.md, "On TimescaleDB"); this table is never a
-- hypertable, so a year of weighings costs what the year's weighings weigh.
--
-- Its rows are the readings' own: the same key (a sensor weighs once at an instant), value and
-- attribution, and nothing else (the company, container and classification come from the
-- attribution, as for a reading). `storage.raw_retention` removes readings, not weighings: a
-- collection's record is kept with the rollups, as its mass is.
CREATE TABLE weighings (
    ts             timestamptz NOT NULL,
    value_milli    bigint      NOT NULL,  -- net mass in grams (readings.value_milli of kind 1)
    sensor_id      integer     NOT NULL,  -- sensors.id
    attribution_id integer     NOT NULL,  -- attributions.id in force at ts
    -- The readings' key as it stands for a weighing: an attribution is one sensor's, so
    -- (attribution, time) is (sensor, time). Attribution first, the only index: every query
    -- reads weighings of a company's, a site's or a sensor's attributions, by time, and an
    -- attribution's latest ones (the company detail's "Last weighing") are its last entries.
    PRIMARY KEY (attribution_id, ts)
);

INSERT INTO weighings (ts, value_milli, sensor_id, attribution_id)
SELECT ts, value_milli, sensor_id, attribution_id FROM readings WHERE kind = 1;

GRANT SELECT, INSERT ON weighings TO wasteflow_writer;

-- The register export and the company detail's last weighing read this table now: the index of
-- loaded weighings in `readings` (migration 21) has no reader left. The writer's cost of a
-- weighing: a narrow row and one index entry here, one index entry less in `readings`.
DROP INDEX readings_weighings_ts;

-- Row-level security as on `readings` (migration 16): a company's rows through their attribution.
ALTER TABLE weighings ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_writer ON weighings TO wasteflow_writer USING (true) WITH CHECK (true);
CREATE POLICY wf_coordinator ON weighings FOR SELECT TO wasteflow_coordinator USING (true);
CREATE POLICY wf_company ON weighings FOR SELECT TO wasteflow_reader
    USING (attribution_id IN (SELECT a.id FROM attributions a JOIN classifications c ON c.id = a.classification_id
                              WHERE c.company_id = ANY ((SELECT wf_companies())::text[])));
