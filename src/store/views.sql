-- Stable views for Grafana and reports: code, not history. `wasteflow migrate` re-applies this
-- file after the numbered migrations whenever it changed (its md5 is kept in
-- schema_repeatable), so a view is edited here, in place. CREATE OR REPLACE VIEW only appends
-- columns; a view whose columns change otherwise needs a DROP VIEW line above it.
-- The formulas are written down in docs/kpis.md.
-- Masses in tonnes, rates as fractions (0 to 1); periods are UTC days and months.

-- Daily material flows, each with its classification as it was when weighed (the flow
-- rollups are keyed by classification, and a classification never changes). Columns after
-- `weighings` were added by storage v2.
CREATE OR REPLACE VIEW flows_daily AS
SELECT f.bucket                                    AS day,
       c.company_id,
       c.stream_id,
       c.ewc,
       c.hazardous,
       c.treatment,
       t.class                                     AS treatment_class,
       coalesce(t.landfill, false)                 AS landfill,
       c.destination_id,
       d.kind                                      AS destination_kind,
       coalesce(d.kind = 'zone' AND c.destination_id <> c.company_id, false) AS symbiosis,
       f.mass_g,
       f.weighings,
       c.site_id,
       c.status,
       c.pop,
       c.treatment_mode,
       f.classification_id
FROM flow_rollup_1d f
JOIN classifications c ON c.id = f.classification_id
LEFT JOIN treatments t ON t.code = c.treatment
LEFT JOIN destinations d ON d.id = c.destination_id;

-- Flows per period ('day' and 'month').
CREATE OR REPLACE VIEW flows_by_period AS
SELECT 'day'::text AS period, day AS period_start, * FROM flows_daily
UNION ALL
SELECT 'month'::text AS period, date_trunc('month', day AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period_start, *
FROM flows_daily;

-- Every KPI, per company (company_id set) and for the whole zone (company_id NULL).
CREATE OR REPLACE VIEW kpi AS
WITH sums AS (
    SELECT period, period_start, company_id,
           sum(mass_g)::double precision / 1e6                                                  AS generated_t,
           coalesce(sum(mass_g) FILTER (WHERE treatment_class = 're-use'), 0)::double precision / 1e6          AS reused_t,
           coalesce(sum(mass_g) FILTER (WHERE treatment_class = 'recycling'), 0)::double precision / 1e6       AS recycled_t,
           coalesce(sum(mass_g) FILTER (WHERE treatment_class = 'energy-recovery'), 0)::double precision / 1e6 AS energy_recovered_t,
           coalesce(sum(mass_g) FILTER (WHERE treatment_class = 'other-recovery'), 0)::double precision / 1e6  AS other_recovery_t,
           coalesce(sum(mass_g) FILTER (WHERE treatment_class = 'disposal'), 0)::double precision / 1e6        AS disposed_t,
           coalesce(sum(mass_g) FILTER (WHERE treatment_class = 'interim'), 0)::double precision / 1e6         AS interim_t,
           coalesce(sum(mass_g) FILTER (WHERE landfill), 0)::double precision / 1e6                            AS landfilled_t,
           coalesce(sum(mass_g) FILTER (WHERE hazardous), 0)::double precision / 1e6                           AS hazardous_t,
           coalesce(sum(mass_g) FILTER (WHERE symbiosis), 0)::double precision / 1e6                           AS symbiosis_t
    FROM flows_by_period
    GROUP BY GROUPING SETS ((period, period_start, company_id), (period, period_start))
)
SELECT period, period_start, company_id,
       generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t, disposed_t, interim_t,
       landfilled_t, hazardous_t, symbiosis_t,
       hazardous_t / nullif(generated_t, 0)                                                     AS hazardous_share,
       (reused_t + recycled_t) / nullif(generated_t, 0)                                          AS recycling_rate,
       (reused_t + recycled_t + energy_recovered_t + other_recovery_t) / nullif(generated_t, 0)  AS recovery_rate,
       1 - landfilled_t / nullif(generated_t, 0)                                                 AS landfill_diversion_rate,
       symbiosis_t / nullif(generated_t, 0)                                                      AS symbiosis_share
FROM sums;

CREATE OR REPLACE VIEW kpi_company_daily AS
    SELECT period_start AS day, company_id, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share
    FROM kpi WHERE period = 'day' AND company_id IS NOT NULL;
CREATE OR REPLACE VIEW kpi_company_monthly AS
    SELECT period_start AS month, company_id, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share
    FROM kpi WHERE period = 'month' AND company_id IS NOT NULL;
CREATE OR REPLACE VIEW kpi_zone_daily AS
    SELECT period_start AS day, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share
    FROM kpi WHERE period = 'day' AND company_id IS NULL;
CREATE OR REPLACE VIEW kpi_zone_monthly AS
    SELECT period_start AS month, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share
    FROM kpi WHERE period = 'month' AND company_id IS NULL;

-- Symbiosis exchanges between companies of the zone: the shape of a Sankey diagram
-- (source, target, value).
CREATE OR REPLACE VIEW exchange_flows AS
    SELECT period, period_start, company_id AS source_company, destination_id AS destination_company,
           treatment, sum(mass_g)::double precision / 1e6 AS tonnes
    FROM flows_by_period
    WHERE symbiosis
    GROUP BY period, period_start, company_id, destination_id, treatment;
CREATE OR REPLACE VIEW exchange_flows_daily AS
    SELECT period_start AS day, source_company, destination_company, treatment, tonnes FROM exchange_flows WHERE period = 'day';
CREATE OR REPLACE VIEW exchange_flows_monthly AS
    SELECT period_start AS month, source_company, destination_company, treatment, tonnes FROM exchange_flows WHERE period = 'month';

-- Container fill in percent and collections, per hour and per day.
CREATE OR REPLACE VIEW container_fill_hourly AS
    SELECT bucket AS hour, container_id, company_id,
           fill_min::double precision / 1000 AS fill_min_pct, fill_max::double precision / 1000 AS fill_max_pct,
           fill_sum::double precision / 1000 / nullif(fill_count, 0) AS fill_mean_pct,
           fill_count AS fill_readings, emptied AS collections
    FROM container_rollup_1h;
CREATE OR REPLACE VIEW container_fill_daily AS
    SELECT bucket AS day, container_id, company_id,
           fill_min::double precision / 1000 AS fill_min_pct, fill_max::double precision / 1000 AS fill_max_pct,
           fill_sum::double precision / 1000 / nullif(fill_count, 0) AS fill_mean_pct,
           fill_count AS fill_readings, emptied AS collections
    FROM container_rollup_1d;

-- Dead letters per company and reason, per hour of receipt; `replayed`: how many of them
-- `wasteflow dead-letters replay` has stored since (the rest are pending).
CREATE OR REPLACE VIEW rejections_hourly AS
    SELECT date_bin('1 hour', received_at, timestamptz '1970-01-01 00:00:00+00') AS hour,
           company_id, reason, count(*) AS messages,
           count(*) FILTER (WHERE replayed_at IS NOT NULL) AS replayed
    FROM rejected_messages GROUP BY 1, 2, 3;

-- Registry directories for dashboard variables.
CREATE OR REPLACE VIEW company_directory AS SELECT id, name, siren FROM companies WHERE active;
CREATE OR REPLACE VIEW container_directory AS
    SELECT c.id, c.company_id, c.type, c.volume_m3, c.overflow_threshold_pct, c.stream_id, s.ewc, c.treatment, c.destination_id
    FROM containers c LEFT JOIN streams s ON s.id = c.stream_id WHERE c.active;

-- Each sensor's attributions over time: which container it measured and how its masses were
-- reported, from when (valid_from NULL: carried over from a v1 database, which did not record
-- it).
CREATE OR REPLACE VIEW attribution_history AS
    SELECT a.id AS attribution_id, s.gateway_id, s.number AS sensor, a.valid_from, a.container_id,
           c.company_id, c.site_id, c.stream_id, c.ewc, c.hazardous, c.pop, c.status, c.treatment, c.treatment_mode,
           c.destination_id, a.sensor_id, a.classification_id
    FROM attributions a
    JOIN sensors s ON s.id = a.sensor_id
    JOIN classifications c ON c.id = a.classification_id;

-- Raw readings with their attribution spelled out, as the v1 `readings` table had it.
CREATE OR REPLACE VIEW readings_attributed AS
    SELECT r.ts, r.kind, r.value_milli, s.gateway_id, s.number AS sensor, c.company_id, a.container_id, c.site_id,
           c.stream_id, c.ewc, c.hazardous, c.treatment, c.destination_id,
           r.frame_seq::int8 & 4294967295 AS frame_seq, r.stored_at, r.sensor_id, r.attribution_id, a.classification_id
    FROM readings r
    JOIN sensors s ON s.id = r.sensor_id
    JOIN attributions a ON a.id = r.attribution_id
    JOIN classifications c ON c.id = a.classification_id;

-- Alert and anomaly events, for Grafana annotations and history.
CREATE OR REPLACE VIEW recent_events AS
    SELECT e.opened_at, e.closed_at, e.company_id, e.container_id, e.kind, e.open_value, e.close_value,
           c.type AS container_type, c.stream_id
    FROM events e LEFT JOIN containers c ON c.id = e.container_id;

-- The read-only role (migration 0002) reads the views only.
GRANT SELECT ON flows_daily, kpi_company_daily, kpi_company_monthly, kpi_zone_daily, kpi_zone_monthly,
    exchange_flows_daily, exchange_flows_monthly, container_fill_hourly, container_fill_daily, rejections_hourly,
    company_directory, container_directory, recent_events, attribution_history, readings_attributed
TO wasteflow_grafana;
