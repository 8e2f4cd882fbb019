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
