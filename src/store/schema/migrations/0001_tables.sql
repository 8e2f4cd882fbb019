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
