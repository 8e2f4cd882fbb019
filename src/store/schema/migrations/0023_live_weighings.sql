-- Each container's latest weighings in its live state (src/live/state/recent_weighings.rs), so
-- that `wasteflow plan` reads them from `container_live.state` instead of searching `readings`
-- (on TimescaleDB that search planned every daily chunk of its time range: docs/performance.md,
-- "Then `plan` and Last weighing"). From now on the live stage keeps them as it folds readings;
-- this computes them once from the history, by the rule the plan read them with until now
-- (src/report/plan/queries.rs before this migration): a container's latest 3 (`WEIGHINGS_READ`)
-- net-mass readings (kind 1, value_milli in grams), each with the fill of its latest fill-level
-- reading (kind 0, value_milli = % x 1000) at or before it and less than 24 hours older; a
-- weighing without one, or with a fill of 0, is skipped. Readings are found through the
-- container's attributions, by the readings' key (sensor_id, kind, ts), latest first for each
-- sensor, then merged. Also the container's latest fill-level reading, which the live stage
-- pairs the next weighings with.
--
-- Written in the shapes serde writes (src/live/state.rs; times in milliseconds since the epoch):
--   "weighings":    [{"kg": .., "at_ms": .., "fill_pct": .., "fill_ms": ..}, ...], latest first
--   "fill_reading": {"value": .., "at_ms": ..}
-- each only when the container has one: a state without them keeps its JSON. Every
-- `container_live` row, active container or not.
WITH found AS (
    SELECT l.container_id,
           (SELECT jsonb_agg(jsonb_build_object('kg', w.kg, 'at_ms', w.at_ms, 'fill_pct', w.fill_pct,
                                                'fill_ms', w.fill_ms) ORDER BY w.ts DESC)
            FROM (
                -- Two sensors weighing at one instant count once, as in the live state.
                SELECT DISTINCT ON (x.ts) x.*
                FROM (SELECT DISTINCT sensor_id FROM attributions WHERE container_id = l.container_id) s
                CROSS JOIN LATERAL (
                    SELECT r.ts, (extract(epoch FROM r.ts) * 1000)::int8 AS at_ms,
                           r.value_milli::float8 / 1000 AS kg, f.fill_pct, f.fill_ms
                    FROM readings r
                    CROSS JOIN LATERAL (
                        SELECT z.value_milli::float8 / 1000 AS fill_pct,
                               (extract(epoch FROM z.ts) * 1000)::int8 AS fill_ms
                        FROM (SELECT DISTINCT sensor_id FROM attributions WHERE container_id = l.container_id) s0
                        CROSS JOIN LATERAL (
                            SELECT r0.ts, r0.value_milli FROM readings r0
                            WHERE r0.sensor_id = s0.sensor_id AND r0.kind = 0
                                AND r0.attribution_id IN (SELECT id FROM attributions WHERE container_id = l.container_id)
                                AND r0.ts <= r.ts AND r0.ts > r.ts - interval '24 hours'
                            ORDER BY r0.ts DESC LIMIT 1) z
                        ORDER BY z.ts DESC LIMIT 1) f
                    WHERE r.sensor_id = s.sensor_id
                        AND r.attribution_id IN (SELECT id FROM attributions WHERE container_id = l.container_id)
                        AND r.kind = 1 AND f.fill_pct > 0
                    ORDER BY r.ts DESC LIMIT 3) x
                ORDER BY x.ts DESC LIMIT 3) w) AS weighings,
           (SELECT jsonb_build_object('value', z.value_milli::float8 / 1000,
                                      'at_ms', (extract(epoch FROM z.ts) * 1000)::int8)
            FROM (SELECT DISTINCT sensor_id FROM attributions WHERE container_id = l.container_id) s
            CROSS JOIN LATERAL (
                SELECT r.ts, r.value_milli FROM readings r
                WHERE r.sensor_id = s.sensor_id AND r.kind = 0
                    AND r.attribution_id IN (SELECT id FROM attributions WHERE container_id = l.container_id)
                ORDER BY r.ts DESC LIMIT 1) z
            ORDER BY z.ts DESC LIMIT 1) AS fill_reading
    FROM container_live l
)
UPDATE container_live l
SET state = l.state || jsonb_strip_nulls(jsonb_build_object('weighings', f.weighings, 'fill_reading', f.fill_reading))
FROM found f
WHERE f.container_id = l.container_id AND (f.weighings IS NOT NULL OR f.fill_reading IS NOT NULL);
