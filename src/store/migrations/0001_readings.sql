-- Raw readings, dead letters and the 1-minute rollups.
-- Values are integers in thousandths of their unit (grams for masses) so that rollup sums are
-- exact and can be recomputed bit for bit by `wasteflow verify`.

CREATE TABLE readings (
    gateway_id   text        NOT NULL,
    sensor       integer     NOT NULL,
    kind         smallint    NOT NULL,  -- 0 fill %, 1 net mass kg, 2 emptied, 3 temperature C, 4 battery %
    ts           timestamptz NOT NULL,
    value_milli  bigint      NOT NULL,  -- value x 1000 (grams for kind 1)
    company_id   text        NOT NULL,
    container_id text        NOT NULL,
    stream_id    text        NOT NULL,
    treatment    text        NOT NULL,
    frame_seq    bigint      NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now(),
    -- The natural key: a reading delivered twice is stored once.
    PRIMARY KEY (gateway_id, sensor, kind, ts)
);
CREATE INDEX readings_company_ts ON readings (company_id, ts);

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
CREATE INDEX rejected_messages_reason ON rejected_messages (reason, received_at);

-- Mass weighed per company x material stream x treatment and minute.
CREATE TABLE flow_rollup_1m (
    bucket     timestamptz NOT NULL,
    company_id text        NOT NULL,
    stream_id  text        NOT NULL,
    treatment  text        NOT NULL,
    mass_g     bigint      NOT NULL,
    weighings  bigint      NOT NULL,
    PRIMARY KEY (bucket, company_id, stream_id, treatment)
);

-- Fill statistics (thousandths of a percent) and collections per container and minute.
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

-- On TimescaleDB the time-series tables become hypertables; plain PostgreSQL keeps them as is.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('readings', 'ts', chunk_time_interval => interval '1 day');
        PERFORM create_hypertable('flow_rollup_1m', 'bucket', chunk_time_interval => interval '7 days');
        PERFORM create_hypertable('container_rollup_1m', 'bucket', chunk_time_interval => interval '7 days');
    END IF;
END
$$;
