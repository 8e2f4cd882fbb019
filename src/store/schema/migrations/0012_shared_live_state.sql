-- Live state shared by every instance (docs/scaling.md "One live state").
--
-- The store appends what a batch committed, per gateway, to live_inbox in the batch's own
-- transaction; whichever instance holds the live lock folds the inbox, gateway by gateway in
-- frame-counter order, into gateway_sequence and container_live, and writes events, in one
-- transaction of its own. A locked or slow events table delays that fold, never a commit.

-- Frames committed and not yet folded: one row per gateway and committed batch. `frames` is a
-- postcard encoding of the frames' counters, base times and stored readings (src/wire/inbox.rs).
CREATE TABLE live_inbox (
    id          bigserial   PRIMARY KEY,
    gateway_id  text        NOT NULL,
    frames      bytea       NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);
-- Written once, read once, deleted: not worth compressing (pglz costs the writer's CPU).
ALTER TABLE live_inbox ALTER COLUMN frames SET STORAGE EXTERNAL;

-- Each gateway's frame counter: the next value expected, frames held back behind a gap, and
-- what was declared missing (docs/operations.md "Frames missing before the daemon").
CREATE TABLE gateway_sequence (
    gateway_id       text        PRIMARY KEY,
    next_seq         int8,                  -- 0 .. 2^32-1; NULL until the first frame is released
    last_frame_at    timestamptz,           -- base time of the latest frame released
    pending          bytea       NOT NULL DEFAULT '\x'::bytea, -- frames held behind a gap (postcard)
    pending_frames   int4        NOT NULL DEFAULT 0,
    pending_since    timestamptz,           -- when the oldest hold began (wall clock)
    frames_received  int8        NOT NULL DEFAULT 0,
    frames_missing   int8        NOT NULL DEFAULT 0,
    frames_late      int8        NOT NULL DEFAULT 0,  -- arrived behind the counter: redelivered, or after being declared missing
    restarts         int8        NOT NULL DEFAULT 0,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per gap declared: frames first_seq .. last_seq never arrived (or not in time).
CREATE TABLE frame_gaps (
    id            bigserial   PRIMARY KEY,
    gateway_id    text        NOT NULL,
    first_seq     int8        NOT NULL,
    last_seq      int8        NOT NULL,
    missing       int8        NOT NULL,
    after_frame_at timestamptz,            -- base time of the frame before the gap
    before_frame_at timestamptz,           -- base time of the frame after it
    declared_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX frame_gaps_gateway ON frame_gaps (gateway_id, declared_at);

-- Each container's live state. `state` is the fold's whole state (JSON, for the next fold);
-- the other columns are what the gauges and dashboards read.
CREATE TABLE container_live (
    container_id          text        PRIMARY KEY,
    company_id            text        NOT NULL,
    state                 jsonb       NOT NULL,
    fill_pct              double precision,
    fill_rate_per_hour    double precision,
    seconds_to_full       double precision,
    last_reading_at       timestamptz,
    battery_pct           double precision,
    temperature_c         double precision,
    last_mass_kg          double precision,
    anomaly_score         double precision NOT NULL DEFAULT 0,
    open_events           text[]      NOT NULL DEFAULT '{}',
    updated_at            timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, DELETE ON live_inbox TO wasteflow_writer;
GRANT USAGE ON SEQUENCE live_inbox_id_seq, frame_gaps_id_seq TO wasteflow_writer;
GRANT SELECT, INSERT, UPDATE ON gateway_sequence, container_live TO wasteflow_writer;
GRANT SELECT, INSERT ON frame_gaps TO wasteflow_writer;
