-- FROZEN v1 schema for the benchmarks (benches/e2e/v1.rs): a copy of
-- src/store/migrations/0001_tables.sql .. 0007_registry_reporting.sql as of commit d552f40.
-- Do not edit to follow the crate: this is the baseline the current schema is compared with.
-- Left out: 0002_views.sql and 0004_writer_role.sql (roles and grants; 0004 grants on
-- schema_migrations, which only `wasteflow migrate` creates) and the GRANT of 0006.
-- Applied with plain SQL by the benchmark, not by `wasteflow migrate`.

-- ==== 0001_tables.sql ====
-- Registry, raw readings, dead letters and the rollups at 1 minute, 1 hour and 1 day.
-- Values are integers in thousandths of their unit (grams for masses) so that rollup sums are
-- exact and can be recomputed bit for bit by `wasteflow verify`.

-- The registry, synchronised from the zone file at start and by `wasteflow registry sync`.
-- Entries removed from the file stay, with active = false, so history keeps its names.
CREATE TABLE companies (
    id     text PRIMARY KEY,
    siren  text NOT NULL,
    name   text NOT NULL,
    active boolean NOT NULL DEFAULT true
);
CREATE TABLE sites (
    id         text PRIMARY KEY,
    company_id text NOT NULL,
    siret      text NOT NULL,
    address    text NOT NULL,
    active     boolean NOT NULL DEFAULT true
);
CREATE TABLE operators (
    id     text PRIMARY KEY,
    name   text NOT NULL,
    siret  text,
    active boolean NOT NULL DEFAULT true
);
CREATE TABLE streams (
    id          text PRIMARY KEY,
    ewc         text NOT NULL,      -- European List of Waste code, e.g. '16 06 01*'
    hazardous   boolean NOT NULL,   -- the code ends with '*'
    description text NOT NULL,
    status      text NOT NULL,      -- waste, by-product, end-of-waste
    active      boolean NOT NULL DEFAULT true
);
CREATE TABLE treatments (
    code     text PRIMARY KEY,      -- R0 (re-use), R1-R13, D1-D15
    class    text NOT NULL,         -- re-use, recycling, energy-recovery, other-recovery, disposal, interim
    landfill boolean NOT NULL       -- D1, D5, D12
);
CREATE TABLE containers (
    id                     text PRIMARY KEY,
    company_id             text NOT NULL,
    site_id                text NOT NULL,
    type                   text NOT NULL,
    volume_m3              double precision NOT NULL,
    max_load_kg            double precision NOT NULL,
    overflow_threshold_pct double precision NOT NULL,
    expected_interval_s    integer NOT NULL,
    stream_id              text NOT NULL,
    treatment              text NOT NULL,
    destination_id         text NOT NULL,
    active                 boolean NOT NULL DEFAULT true
);
CREATE TABLE gateways (
    id         text PRIMARY KEY,
    company_id text NOT NULL,
    site_id    text NOT NULL,
    active     boolean NOT NULL DEFAULT true
);
CREATE TABLE sensors (
    gateway_id   text NOT NULL,
    number       integer NOT NULL,
    container_id text NOT NULL,
    active       boolean NOT NULL DEFAULT true,
    PRIMARY KEY (gateway_id, number)
);
-- Where a flow goes: a company of the zone (a symbiosis exchange) or an outside operator.
CREATE VIEW destinations AS
    SELECT id, name, 'zone'::text AS kind FROM companies
    UNION ALL
    SELECT id, name, 'operator'::text AS kind FROM operators;

CREATE TABLE readings (
    gateway_id     text        NOT NULL,
    sensor         integer     NOT NULL,
    kind           smallint    NOT NULL,  -- 0 fill %, 1 net mass kg, 2 emptied, 3 temperature C, 4 battery %
    ts             timestamptz NOT NULL,
    value_milli    bigint      NOT NULL,  -- value x 1000 (grams for kind 1)
    company_id     text        NOT NULL,  -- attribution at the time of the reading
    container_id   text        NOT NULL,
    stream_id      text        NOT NULL,
    treatment      text        NOT NULL,
    destination_id text        NOT NULL,
    frame_seq      bigint      NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    -- The natural key: a reading delivered twice is stored once.
    PRIMARY KEY (gateway_id, sensor, kind, ts)
);

CREATE TABLE rejected_messages (
    id            bigserial   PRIMARY KEY,
    received_at   timestamptz NOT NULL,
    topic         text        NOT NULL,
    gateway_id    text,
    company_id    text,
    reason        text        NOT NULL,
    detail        text        NOT NULL,
    reading_index integer     NOT NULL,  -- -1: the whole message
    payload       bytea       NOT NULL,
    payload_md5   text        GENERATED ALWAYS AS (md5(payload)) STORED,
    -- A redelivered bad message is recorded once.
    UNIQUE (topic, payload_md5, reading_index)
);
CREATE INDEX rejected_messages_received ON rejected_messages (received_at);

-- Mass weighed per company x material stream x treatment x destination.
CREATE TABLE flow_rollup_1m (
    bucket         timestamptz NOT NULL,
    company_id     text        NOT NULL,
    stream_id      text        NOT NULL,
    treatment      text        NOT NULL,
    destination_id text        NOT NULL,
    mass_g         bigint      NOT NULL,
    weighings      bigint      NOT NULL,
    PRIMARY KEY (bucket, company_id, stream_id, treatment, destination_id)
);

CREATE TABLE flow_rollup_1h (
    bucket         timestamptz NOT NULL,
    company_id     text        NOT NULL,
    stream_id      text        NOT NULL,
    treatment      text        NOT NULL,
    destination_id text        NOT NULL,
    mass_g         bigint      NOT NULL,
    weighings      bigint      NOT NULL,
    PRIMARY KEY (bucket, company_id, stream_id, treatment, destination_id)
);

CREATE TABLE flow_rollup_1d (
    bucket         timestamptz NOT NULL,
    company_id     text        NOT NULL,
    stream_id      text        NOT NULL,
    treatment      text        NOT NULL,
    destination_id text        NOT NULL,
    mass_g         bigint      NOT NULL,
    weighings      bigint      NOT NULL,
    PRIMARY KEY (bucket, company_id, stream_id, treatment, destination_id)
);

-- Fill statistics (thousandths of a percent) and emptyings per container.
CREATE TABLE container_rollup_1m (
    bucket       timestamptz NOT NULL,
    container_id text        NOT NULL,
    company_id   text        NOT NULL,
    fill_min     bigint,
    fill_max     bigint,
    fill_sum     bigint      NOT NULL,
    fill_count   bigint      NOT NULL,
    emptied      bigint      NOT NULL,
    PRIMARY KEY (bucket, container_id)
);

CREATE TABLE container_rollup_1h (
    bucket       timestamptz NOT NULL,
    container_id text        NOT NULL,
    company_id   text        NOT NULL,
    fill_min     bigint,
    fill_max     bigint,
    fill_sum     bigint      NOT NULL,
    fill_count   bigint      NOT NULL,
    emptied      bigint      NOT NULL,
    PRIMARY KEY (bucket, container_id)
);

CREATE TABLE container_rollup_1d (
    bucket       timestamptz NOT NULL,
    container_id text        NOT NULL,
    company_id   text        NOT NULL,
    fill_min     bigint,
    fill_max     bigint,
    fill_sum     bigint      NOT NULL,
    fill_count   bigint      NOT NULL,
    emptied      bigint      NOT NULL,
    PRIMARY KEY (bucket, container_id)
);

-- On TimescaleDB the time-series tables become hypertables; plain PostgreSQL keeps them as is.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('readings', 'ts', chunk_time_interval => interval '1 day');
        PERFORM create_hypertable('flow_rollup_1m', 'bucket', chunk_time_interval => interval '1 day');
        PERFORM create_hypertable('container_rollup_1m', 'bucket', chunk_time_interval => interval '1 day');
        PERFORM create_hypertable('flow_rollup_1h', 'bucket', chunk_time_interval => interval '30 days');
        PERFORM create_hypertable('container_rollup_1h', 'bucket', chunk_time_interval => interval '30 days');
        PERFORM create_hypertable('flow_rollup_1d', 'bucket', chunk_time_interval => interval '365 days');
        PERFORM create_hypertable('container_rollup_1d', 'bucket', chunk_time_interval => interval '365 days');
    END IF;
END
$$;

-- ==== 0003_events.sql ====
-- Alert and anomaly events, for Grafana annotations and history. An event opens once and
-- closes once: at most one open event per container and kind.
CREATE TABLE events (
    id           bigserial   PRIMARY KEY,
    container_id text        NOT NULL,
    company_id   text        NOT NULL,
    kind         text        NOT NULL,  -- overflow, overflow_predicted, emptied_without_collection, overload,
                                        -- fire_risk, sensor_silent, battery_low, anomaly
    opened_at    timestamptz NOT NULL,
    closed_at    timestamptz,
    open_value   double precision NOT NULL,  -- what triggered it: fill %, kg, degrees, seconds, score
    close_value  double precision
);
CREATE UNIQUE INDEX events_one_open ON events (container_id, kind) WHERE closed_at IS NULL;
CREATE INDEX events_opened ON events (opened_at);

-- Rebuilding the live state at start reads each container's latest readings.
CREATE INDEX readings_container_ts ON readings (container_id, ts);

-- ==== 0005_dead_letter_identity.sql ====
-- Dead letters are told apart by the whole message as received, not by what is stored of it:
-- the stored topic is cut to 256 characters and the stored payload to mqtt.max_payload_bytes, so
-- two different oversized messages (or long topics) with the same beginning used to collapse
-- into one row. message_sha256 = SHA-256(topic bytes || 0x00 || payload bytes), computed by the
-- daemon over the received topic and payload (src/store/identity.rs).
ALTER TABLE rejected_messages ADD COLUMN message_sha256 bytea;
-- Rows written before this migration: the same hash over what was kept (for a rejected reading,
-- its one-reading frame). A message dead-lettered before the upgrade and sent again after it
-- may therefore get one more row.
UPDATE rejected_messages
SET message_sha256 = sha256(convert_to(topic, 'UTF8') || '\x00'::bytea || payload);
ALTER TABLE rejected_messages ALTER COLUMN message_sha256 SET NOT NULL;
ALTER TABLE rejected_messages DROP CONSTRAINT rejected_messages_topic_payload_md5_reading_index_key;
-- A redelivered bad message is recorded once.
ALTER TABLE rejected_messages ADD CONSTRAINT rejected_messages_message_reading_key
    UNIQUE (message_sha256, reading_index);

-- ==== 0006_dead_letter_replay.sql (without its GRANT) ====
-- Dead letters can be replayed (`wasteflow dead-letters replay`): a replayed one is marked in
-- the same transaction that stores its readings; NULL means pending.
ALTER TABLE rejected_messages ADD COLUMN replayed_at timestamptz;
-- Replay and the pending count read the pending rows only.
CREATE INDEX rejected_messages_pending ON rejected_messages (id) WHERE replayed_at IS NULL;

-- ==== 0007_registry_reporting.sql ====
-- Streams carry what the French waste register asks of a waste besides its code: whether it
-- contains persistent organic pollutants (Regulation (EU) 2019/1021), and, for a mirror entry
-- of the List of Waste declared hazardous (or not), the assessment behind that choice.
ALTER TABLE streams ADD COLUMN pop boolean NOT NULL DEFAULT false;
ALTER TABLE streams ADD COLUMN hazard_assessment text;
-- Containers carry the treatment mode (the step of the waste hierarchy their operation
-- achieves); NULL for an interim operation, whose mass is pending a final one.
ALTER TABLE containers ADD COLUMN treatment_mode text;
