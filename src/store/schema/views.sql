-- Stable views for Grafana and reports: code, not history. `wasteflow migrate` re-applies this
-- file after the numbered migrations whenever it changed (its md5 is kept in
-- schema_repeatable), so a view is edited here, in place. CREATE OR REPLACE VIEW only appends
-- columns; a view whose columns change otherwise needs a DROP VIEW line above it.
-- The formulas are written down in docs/kpis.md.
--
-- Who reads what (docs/security.md): a view named `<name>_all` is unfiltered and granted to
-- nobody; readers query `<name>`, generated from it by src/store/schema/access.rs with the rows their
-- role may see. The zone aggregates are computed here, over every company, before any filter.
-- Masses in tonnes, rates as fractions (0 to 1).
--
-- Periods are local to the zone's time zone (`[zone] time_zone`, written into zone_settings at
-- every registry sync): a local day holds the UTC hours that fall in it (23 of them on the
-- spring DST change, 25 in autumn), exact because the zone's UTC offset is a whole number of
-- hours (checked at sync). The store writes each local day, month and year's sums with the
-- hourly rollups (flow_rollup_local, container_rollup_local_1d: migration 21). A period's start
-- is its local midnight, as a timestamptz.
--
-- Cost follows the window asked (docs/performance.md, "History"): a condition on a period's
-- start must reach those tables' index. So no view on the way from them to a dashboard uses
-- GROUPING SETS or reads a CTE twice (PostgreSQL pushes a condition through neither): a row
-- for the zone is made by counting each flow once more with its company set to NULL.

-- Material flows per local period ('day', 'month' and 'year'), each with its classification as
-- it was when weighed (the flow rollups are keyed by classification, and a classification never
-- changes). Read from the rollups by local period (flow_rollup_local, migration 21), keyed by the
-- period's start: a condition on `period_start` (or `day`) reaches their index through every
-- view below, so a query over a window reads that window's rows, whatever the history kept.
-- `day`: the period's start (the day, on day rows). Columns after `weighings` were added by
-- storage v2.
CREATE OR REPLACE VIEW flows_by_period AS
SELECT f.period,
       f.period_start,
       f.period_start                              AS day,
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
FROM flow_rollup_local f
JOIN classifications c ON c.id = f.classification_id
LEFT JOIN treatments t ON t.code = c.treatment
LEFT JOIN destinations d ON d.id = c.destination_id;

-- Daily material flows.
CREATE OR REPLACE VIEW flows_daily_all AS
SELECT day, company_id, stream_id, ewc, hazardous, treatment, treatment_class, landfill, destination_id,
       destination_kind, symbiosis, mass_g, weighings, site_id, status, pop, treatment_mode, classification_id
FROM flows_by_period WHERE period = 'day';

-- Waste by ESRS E5-5 (paragraph 37) and GRI 306-3/4/5, the figures of docs/kpis.md: one row per
-- company (company_id NULL: the whole zone), local period ('day', 'month', 'year'), category and
-- hazardous flag (hazardous NULL: both), every category present (0 when nothing), in tonnes,
-- split on-site (the destination is the producing company itself) and off-site. `reference`
-- cites the paragraphs; `ordinal` orders the categories as the standards list them.
-- Each weighing falls in one leaf: not waste (by-product, end-of-waste, R0 re-use of what never
-- became waste), pending (an interim operation: no mode yet), or the final operation's step of
-- the hierarchy (classifications.treatment_mode, with D10 incineration and D1/D5/D12 landfill
-- told apart among disposals). Energy recovery is other recovery, as in the Waste Framework
-- Directive (art. 4); the `energy-recovery` row shows how much of it was (GRI 306-5 counts it
-- as incineration with energy recovery, directed to disposal).
--
-- Two variants in one place, `kpi_esrs_e5_5_variants` (`resolved` false or true), so the
-- category logic is written once: `kpi_esrs_e5_5` is the unresolved one, as weighed;
-- `kpi_esrs_e5_5_resolved` splits the pending mass sent to a destination that declares its
-- final operations (`final_operations`, zone file) across them by share, each part classified
-- as a weighing with that treatment and mode would be; `resolved_t` says how many tonnes of a
-- row come from that split. Pending mass to a destination without a declaration stays pending.
-- A declaration's shares are normalised to sum to exactly 1 (the zone check allows 0.001 off),
-- and a mass is split in whole grams that add up to it exactly: each part is the difference of
-- the floors of the mass times the cumulative shares up to and before it (in code order), so
-- masses stay bigint and sum as fast as the weighed ones.
CREATE OR REPLACE VIEW flows_by_period_resolved AS
SELECT f.period, f.period_start, f.company_id, f.hazardous, f.status, f.destination_id,
       coalesce(o.treatment, f.treatment)                                         AS treatment,
       -- Pending mass nobody declared a final operation for: directed to disposal (other
       -- disposal), an assumption (EFRAG ESRS Q&A ID 400, 31 October 2024: waste is recycled,
       -- re-used, other recovery or disposed; mass not shown recovered is not diverted).
       CASE WHEN f.pending AND o.destination_id IS NULL THEN 'disposal'
            ELSE coalesce(o.treatment_mode, f.treatment_mode) END                 AS treatment_mode,
       coalesce((floor(f.mass_g * o.upto / o.total) - floor(f.mass_g * (o.upto - o.share) / o.total))::bigint,
                f.mass_g)                                                         AS mass_g,
       o.destination_id IS NOT NULL                                               AS resolved,
       f.symbiosis,
       f.pending AND o.destination_id IS NULL                                     AS assumed
-- pending mass only: waste (not a by-product, end-of-waste or R0) without a mode.
FROM (SELECT p.*, p.status = 'waste' AND p.treatment <> 'R0' AND p.treatment_mode IS NULL AS pending
      FROM flows_by_period p) f
LEFT JOIN (SELECT destination_id, treatment, treatment_mode, share,
                  sum(share) OVER (PARTITION BY destination_id ORDER BY treatment, treatment_mode) AS upto,
                  sum(share) OVER (PARTITION BY destination_id) AS total
           FROM final_operations) o
    ON o.destination_id = f.destination_id AND f.pending;

CREATE OR REPLACE VIEW kpi_esrs_e5_5_variants AS
WITH flows AS (
    SELECT false AS resolved_variant, period, period_start, company_id, hazardous, status, destination_id, treatment,
           treatment_mode, mass_g, false AS resolved, symbiosis, false AS assumed
    FROM flows_by_period
    UNION ALL
    SELECT true, period, period_start, company_id, hazardous, status, destination_id, treatment, treatment_mode,
           mass_g, resolved, symbiosis, assumed
    FROM flows_by_period_resolved),
f AS (
    SELECT resolved_variant, period, period_start, company_id, hazardous, mass_g, resolved, assumed, symbiosis,
           destination_id = company_id AS on_site,
           treatment_mode IS NOT DISTINCT FROM 'energy-recovery' AS energy,
           CASE
               WHEN status = 'by-product' THEN 'by-product'
               WHEN status = 'end-of-waste' THEN 'end-of-waste'
               WHEN treatment = 'R0' THEN 're-use-not-waste'
               WHEN treatment_mode IS NULL THEN 'pending'
               -- Preparing for re-use is checking, cleaning or repairing (Directive 2008/98/EC
               -- art. 3(16)); regenerating a solvent (R2) or re-refining oil (R9) reprocesses the
               -- material, recycling under art. 3(17), whatever mode the register line carries.
               WHEN treatment_mode = 're-use' AND treatment NOT IN ('R2', 'R9') THEN 'preparation-for-re-use'
               WHEN treatment_mode IN ('re-use', 'recycling') THEN 'recycling'
               WHEN treatment_mode IN ('other-recovery', 'energy-recovery') THEN 'other-recovery'
               WHEN treatment = 'D10' THEN 'incineration'
               WHEN treatment IN ('D1', 'D5', 'D12') THEN 'landfill'
               ELSE 'other-disposal'
           END AS leaf
    FROM flows),
-- `of_which`: an "of which" row, the leaves' mass that is also energy recovery, or also a symbiosis
-- exchange (sent to another company of the zone).
categories (ordinal, category, leaves, of_which, reference) AS (VALUES
    (1, 'waste-generated', ARRAY['preparation-for-re-use', 'recycling', 'other-recovery', 'incineration', 'landfill', 'other-disposal', 'pending'], NULL,
        'ESRS E5 §37(a); GRI 306-3-a'),
    (2, 'diverted-from-disposal', ARRAY['preparation-for-re-use', 'recycling', 'other-recovery'], NULL, 'ESRS E5 §37(b); GRI 306-4-a'),
    (3, 'preparation-for-re-use', ARRAY['preparation-for-re-use'], NULL, 'ESRS E5 §37(b)(i); GRI 306-4-b/c'),
    (4, 'recycling', ARRAY['recycling'], NULL, 'ESRS E5 §37(b)(ii); GRI 306-4-b/c'),
    (5, 'other-recovery', ARRAY['other-recovery'], NULL, 'ESRS E5 §37(b)(iii); GRI 306-4-b/c'),
    (6, 'energy-recovery', ARRAY['other-recovery'], 'energy',
        'of which energy recovery (R1): other recovery under ESRS E5 §37(b)(iii); GRI 306-5-b/c incineration with energy recovery'),
    (7, 'directed-to-disposal', ARRAY['incineration', 'landfill', 'other-disposal'], NULL, 'ESRS E5 §37(c); GRI 306-5-a'),
    (8, 'incineration', ARRAY['incineration'], NULL, 'ESRS E5 §37(c)(i); GRI 306-5-b/c incineration without energy recovery (D10)'),
    (9, 'landfill', ARRAY['landfill'], NULL, 'ESRS E5 §37(c)(ii); GRI 306-5-b/c landfilling (D1, D5, D12)'),
    (10, 'other-disposal', ARRAY['other-disposal'], NULL, 'ESRS E5 §37(c)(iii); GRI 306-5-b/c other disposal operations'),
    (11, 'pending', ARRAY['pending'], NULL, 'waste generated awaiting its final operation (R12, R13, D9, D13-D15)'),
    -- Regulation (EU) 2022/1288, annex I, definitions: "non-recycled waste" is waste not
    -- recycled within the meaning of Directive 2008/98/EC art. 3(17) (the SFDR PAI 13 that
    -- ESRS E5 §37(d) serves): everything but recycling, preparation for re-use and pending mass
    -- included.
    (12, 'non-recycled', ARRAY['preparation-for-re-use', 'other-recovery', 'incineration', 'landfill', 'other-disposal', 'pending'], NULL,
        'ESRS E5 §37(d): not recycled within Directive 2008/98/EC art. 3(17) (Regulation (EU) 2022/1288 annex I, PAI 13)'),
    (13, 'by-product', ARRAY['by-product'], NULL, 'not waste (Directive 2008/98/EC art. 5): outside ESRS E5 §37 and GRI 306-3'),
    (14, 'end-of-waste', ARRAY['end-of-waste'], NULL, 'not waste (Directive 2008/98/EC art. 6): outside ESRS E5 §37 and GRI 306-3'),
    (15, 're-use-not-waste', ARRAY['re-use-not-waste'], NULL,
        'R0 re-use of what never became waste (Directive 2008/98/EC art. 3(13)): outside ESRS E5 §37 and GRI 306-3'),
    (16, 'symbiosis', ARRAY['preparation-for-re-use', 'recycling', 'other-recovery', 'incineration', 'landfill', 'other-disposal', 'pending'], 'symbiosis',
        'of which sent to another company of the zone (industrial symbiosis): not a category of the standards')),
-- Each leaf's mass counted in every row it adds to: its company's and the zone's (company_id
-- NULL), its hazard's and both hazards' (hazardous NULL), each category (0 where it is not of
-- that category), so that every category of a period and company with any flow has its row, 0
-- when nothing (plain grouping: see the head of this file).
sums AS (
    SELECT f.resolved_variant, f.period, f.period_start, co.company_id, hz.hazardous, c.category, c.reference,
           c.ordinal,
           sum(CASE WHEN m.hit THEN f.mass_g ELSE 0 END)     AS mass_g,
           sum(CASE WHEN m.hit THEN f.on_site_g ELSE 0 END)  AS on_site_g,
           sum(CASE WHEN m.hit THEN f.resolved_g ELSE 0 END) AS resolved_g,
           sum(CASE WHEN m.hit THEN f.assumed_g ELSE 0 END)  AS assumed_g
    FROM (SELECT resolved_variant, period, period_start, company_id, hazardous, leaf, energy, symbiosis,
                 sum(mass_g) AS mass_g,
                 coalesce(sum(mass_g) FILTER (WHERE on_site), 0) AS on_site_g,
                 coalesce(sum(mass_g) FILTER (WHERE resolved), 0) AS resolved_g,
                 coalesce(sum(mass_g) FILTER (WHERE assumed), 0) AS assumed_g
          FROM f GROUP BY resolved_variant, period, period_start, company_id, hazardous, leaf, energy, symbiosis) f
    CROSS JOIN LATERAL (VALUES (f.company_id), (NULL)) co (company_id)
    CROSS JOIN (VALUES (true), (false), (NULL::boolean)) hz (hazardous)
    CROSS JOIN categories c
    CROSS JOIN LATERAL (SELECT (hz.hazardous IS NULL OR hz.hazardous = f.hazardous) AND f.leaf = ANY (c.leaves)
                               AND (c.of_which IS NULL OR (c.of_which = 'energy' AND f.energy)
                                    OR (c.of_which = 'symbiosis' AND f.symbiosis)) AS hit) m
    GROUP BY f.resolved_variant, f.period, f.period_start, co.company_id, hz.hazardous, c.category, c.reference,
             c.ordinal)
SELECT resolved_variant AS resolved, period, period_start, company_id, category, hazardous,
       mass_g::double precision / 1e6                  AS tonnes,
       on_site_g::double precision / 1e6               AS on_site_t,
       (mass_g - on_site_g)::double precision / 1e6    AS off_site_t,
       reference, ordinal,
       resolved_g::double precision / 1e6              AS resolved_t,
       assumed_g::double precision / 1e6               AS assumed_t
FROM sums;

-- As weighed: pending mass stays pending.
CREATE OR REPLACE VIEW kpi_esrs_e5_5_all AS
SELECT period, period_start, company_id, category, hazardous, tonnes, on_site_t, off_site_t, reference, ordinal
FROM kpi_esrs_e5_5_variants WHERE NOT resolved;

-- The figures a company reports: pending mass resolved through the destinations' declared final
-- operations (as they are declared now), and the pending mass nobody declared a final operation
-- for directed to disposal (other disposal), so that waste generated = diverted from disposal +
-- directed to disposal in every row. Both are estimates (ESRS E5 §40 asks for their basis):
-- `resolved_t`, the tonnes of the row that come from a declaration; `assumed_t`, those that come
-- from the assumption.
CREATE OR REPLACE VIEW kpi_esrs_e5_5_resolved_all AS
SELECT period, period_start, company_id, category, hazardous, tonnes, on_site_t, off_site_t, reference, ordinal, resolved_t,
       assumed_t
FROM kpi_esrs_e5_5_variants WHERE resolved;

-- The rates of docs/kpis.md over waste whose final operation is known (pending mass counts
-- neither for nor against; in the resolved variant none is pending), each with its coverage: the
-- share of waste generated whose final operation is known. NULL when no final operation is known.
-- The non-recycled share is over all waste generated (Regulation (EU) 2022/1288, PAI 13: pending
-- mass is not recycled). Both variants; `resolved_t` / `assumed_t`: the waste generated whose
-- final operation is estimated from a declaration / assumed disposal (0 unresolved).
CREATE OR REPLACE VIEW kpi_esrs_e5_5_rates_variants AS
WITH t AS (
    SELECT resolved, period, period_start, company_id,
           sum(tonnes) FILTER (WHERE category = 'waste-generated')                               AS generated_t,
           sum(tonnes) FILTER (WHERE category = 'pending')                                       AS pending_t,
           sum(tonnes) FILTER (WHERE category IN ('preparation-for-re-use', 'recycling'))        AS reused_recycled_t,
           sum(tonnes) FILTER (WHERE category = 'diverted-from-disposal')                        AS diverted_t,
           sum(tonnes) FILTER (WHERE category = 'landfill')                                      AS landfilled_t,
           sum(tonnes) FILTER (WHERE category = 'non-recycled')                                  AS non_recycled_t,
           sum(resolved_t) FILTER (WHERE category = 'waste-generated')                           AS resolved_t,
           sum(assumed_t) FILTER (WHERE category = 'waste-generated')                            AS assumed_t
    FROM kpi_esrs_e5_5_variants WHERE hazardous IS NULL
    GROUP BY resolved, period, period_start, company_id)
SELECT resolved, period, period_start, company_id, generated_t, pending_t, non_recycled_t,
       non_recycled_t / nullif(generated_t, 0)                    AS non_recycled_share,
       reused_recycled_t / nullif(generated_t - pending_t, 0)     AS reuse_recycling_rate,
       diverted_t / nullif(generated_t - pending_t, 0)            AS recovery_rate,
       1 - landfilled_t / nullif(generated_t - pending_t, 0)      AS landfill_diversion_rate,
       (generated_t - pending_t) / nullif(generated_t, 0)         AS coverage,
       resolved_t, assumed_t
FROM t;

CREATE OR REPLACE VIEW kpi_esrs_e5_5_rates_all AS
SELECT period, period_start, company_id, generated_t, pending_t, non_recycled_t, non_recycled_share,
       reuse_recycling_rate, recovery_rate, landfill_diversion_rate, coverage
FROM kpi_esrs_e5_5_rates_variants WHERE NOT resolved;

CREATE OR REPLACE VIEW kpi_esrs_e5_5_rates_resolved_all AS
SELECT period, period_start, company_id, generated_t, pending_t, non_recycled_t, non_recycled_share,
       reuse_recycling_rate, recovery_rate, landfill_diversion_rate, coverage, resolved_t, assumed_t
FROM kpi_esrs_e5_5_rates_variants WHERE resolved;

-- The earlier KPI views' columns, per company and for the zone (company_id NULL), read from the
-- reported rows (kpi_esrs_e5_5_resolved_all): one set of figures. Waste only; interim mass is
-- resolved or assumed disposed there, so `interim_t` is 0 and rates are over waste generated.
CREATE OR REPLACE VIEW kpi AS
WITH sums AS (
    SELECT period, period_start, company_id,
           sum(tonnes) FILTER (WHERE category = 'waste-generated' AND hazardous IS NULL)         AS generated_t,
           sum(tonnes) FILTER (WHERE category = 'preparation-for-re-use' AND hazardous IS NULL)  AS reused_t,
           sum(tonnes) FILTER (WHERE category = 'recycling' AND hazardous IS NULL)               AS recycled_t,
           sum(tonnes) FILTER (WHERE category = 'energy-recovery' AND hazardous IS NULL)         AS energy_recovered_t,
           sum(tonnes) FILTER (WHERE category = 'other-recovery' AND hazardous IS NULL)
               - sum(tonnes) FILTER (WHERE category = 'energy-recovery' AND hazardous IS NULL)   AS other_recovery_t,
           sum(tonnes) FILTER (WHERE category = 'directed-to-disposal' AND hazardous IS NULL)    AS disposed_t,
           sum(tonnes) FILTER (WHERE category = 'pending' AND hazardous IS NULL)                 AS interim_t,
           sum(tonnes) FILTER (WHERE category = 'landfill' AND hazardous IS NULL)                AS landfilled_t,
           sum(tonnes) FILTER (WHERE category = 'waste-generated' AND hazardous)                 AS hazardous_t,
           sum(tonnes) FILTER (WHERE category = 'symbiosis' AND hazardous IS NULL)               AS symbiosis_t,
           sum(resolved_t + assumed_t) FILTER (WHERE category = 'waste-generated' AND hazardous IS NULL) AS estimated_t
    FROM kpi_esrs_e5_5_resolved_all
    GROUP BY period, period_start, company_id
)
SELECT period, period_start, company_id,
       generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t, disposed_t, interim_t,
       landfilled_t, hazardous_t, symbiosis_t,
       hazardous_t / nullif(generated_t, 0)                                                     AS hazardous_share,
       (reused_t + recycled_t) / nullif(generated_t, 0)                                          AS recycling_rate,
       (reused_t + recycled_t + energy_recovered_t + other_recovery_t) / nullif(generated_t, 0)  AS recovery_rate,
       1 - landfilled_t / nullif(generated_t, 0)                                                 AS landfill_diversion_rate,
       symbiosis_t / nullif(generated_t, 0)                                                      AS symbiosis_share,
       -- Waste generated whose final operation is an estimate: a destination's declared final
       -- operations, or assumed disposal (ESRS E5 §40; docs/kpis.md).
       estimated_t,
       estimated_t / nullif(generated_t, 0)                                                      AS estimated_share
FROM sums;

CREATE OR REPLACE VIEW kpi_company_daily_all AS
    SELECT period_start AS day, company_id, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share, estimated_t, estimated_share
    FROM kpi WHERE period = 'day' AND company_id IS NOT NULL;
CREATE OR REPLACE VIEW kpi_company_monthly_all AS
    SELECT period_start AS month, company_id, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share, estimated_t, estimated_share
    FROM kpi WHERE period = 'month' AND company_id IS NOT NULL;
CREATE OR REPLACE VIEW kpi_zone_daily_all AS
    SELECT period_start AS day, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share, estimated_t, estimated_share
    FROM kpi WHERE period = 'day' AND company_id IS NULL;
CREATE OR REPLACE VIEW kpi_zone_monthly_all AS
    SELECT period_start AS month, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share, estimated_t, estimated_share
    FROM kpi WHERE period = 'month' AND company_id IS NULL;
CREATE OR REPLACE VIEW kpi_company_yearly_all AS
    SELECT period_start AS year, company_id, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share, estimated_t, estimated_share
    FROM kpi WHERE period = 'year' AND company_id IS NOT NULL;
CREATE OR REPLACE VIEW kpi_zone_yearly_all AS
    SELECT period_start AS year, generated_t, reused_t, recycled_t, energy_recovered_t, other_recovery_t,
           disposed_t, interim_t, landfilled_t, hazardous_t, symbiosis_t, hazardous_share, recycling_rate,
           recovery_rate, landfill_diversion_rate, symbiosis_share, estimated_t, estimated_share
    FROM kpi WHERE period = 'year' AND company_id IS NULL;

-- Symbiosis exchanges between companies of the zone: the shape of a Sankey diagram
-- (source, target, value).
CREATE OR REPLACE VIEW exchange_flows AS
    SELECT period, period_start, company_id AS source_company, destination_id AS destination_company,
           treatment, sum(mass_g)::double precision / 1e6 AS tonnes
    FROM flows_by_period
    WHERE symbiosis
    GROUP BY period, period_start, company_id, destination_id, treatment;
CREATE OR REPLACE VIEW exchange_flows_daily_all AS
    SELECT period_start AS day, source_company, destination_company, treatment, tonnes FROM exchange_flows WHERE period = 'day';
CREATE OR REPLACE VIEW exchange_flows_monthly_all AS
    SELECT period_start AS month, source_company, destination_company, treatment, tonnes FROM exchange_flows WHERE period = 'month';
CREATE OR REPLACE VIEW exchange_flows_yearly_all AS
    SELECT period_start AS year, source_company, destination_company, treatment, tonnes FROM exchange_flows WHERE period = 'year';

-- Synergy opportunities (docs/kpis.md "Synergy opportunities"): per local month, each zone
-- stream of waste now sent outside the zone (to an operator) or to disposal, whose code another
-- company of the zone accepts (`accepts`, zone file), other than the producer and than the
-- current destination (an exchange that already runs is in exchange_flows). `available_t`: the
-- month's tonnes of that stream, treatment and destination; `accepter_received_t`: what the
-- accepter already receives of the code that month through exchanges; `fits_t`: the available
-- tonnes that fit in what is left of its monthly maximum.
-- `hierarchy` sets the accepter's operation against what happens to the waste today (re-use >
-- recycling > other and energy recovery > disposal, code de l'environnement art. L541-1): the
-- weighed final operation; for interim mass, the final operations its destination declares
-- (`current_basis` 'declared'), or disposal where it declares none ('assumed disposal', as the
-- reported ESRS figures count it). 'down' when any of today's operations stands higher than the
-- accepter's (such a row is no opportunity and is left out), 'up' when the accepter's stands
-- higher than the lowest of them, 'same' otherwise.
-- Money and CO2e, from the factors of savings_monthly: `cost_avoided_eur` = fits_t x (today's
-- EUR/t, TGAP of the destination's category included for a disposal - the accepter's EUR/t);
-- `co2e_avoided_t` = fits_t x the stream's factor when the accepter recycles (or prepares for
-- re-use) waste that goes to disposal today; NULL when a factor is missing, never 0.
CREATE OR REPLACE VIEW synergy_opportunities_all AS
WITH hierarchy (mode, rank) AS (VALUES ('re-use', 1), ('recycling', 2), ('other-recovery', 3), ('energy-recovery', 3), ('disposal', 4)),
z AS (SELECT time_zone FROM zone_settings LIMIT 1),
streams AS (
    SELECT period_start AS month, company_id, stream_id, ewc, hazardous, treatment, treatment_class, treatment_mode,
           destination_id, destination_kind, sum(mass_g) AS mass_g
    FROM flows_by_period
    WHERE period = 'month' AND status = 'waste' AND (destination_kind = 'operator' OR treatment_class = 'disposal')
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
-- What happens to each stream today: its best and worst steps of the hierarchy.
today AS (
    SELECT s.*, CASE WHEN s.treatment_mode IS NOT NULL THEN 'weighed' WHEN d.best IS NOT NULL THEN 'declared'
                     ELSE 'assumed disposal' END AS current_basis,
           coalesce(h.rank, d.best, 4) AS best_rank, coalesce(h.rank, d.worst, 4) AS worst_rank
    FROM streams s
    LEFT JOIN hierarchy h ON h.mode = s.treatment_mode
    LEFT JOIN LATERAL (SELECT min(hf.rank) AS best, max(hf.rank) AS worst FROM final_operations o
                       JOIN hierarchy hf ON hf.mode = o.treatment_mode
                       WHERE o.destination_id = s.destination_id AND s.treatment_mode IS NULL) d ON true),
received AS (
    SELECT period_start AS month, destination_id AS company_id, ewc, sum(mass_g) AS mass_g
    FROM flows_by_period WHERE period = 'month' AND symbiosis
    GROUP BY 1, 2, 3),
o AS (
    SELECT s.*, a.company_id AS accepter_id, a.treatment AS accepter_treatment, a.treatment_mode AS accepter_mode,
           a.max_tonnes_per_month, ha.rank AS accepter_rank,
           coalesce(r.mass_g, 0)::double precision / 1e6 AS accepter_received_t,
           least(s.mass_g::double precision / 1e6,
                 greatest(a.max_tonnes_per_month - coalesce(r.mass_g, 0)::double precision / 1e6, 0)) AS fits_t,
           -- Today's cost per tonne: the treatment's at its destination (else any), plus the TGAP
           -- of the destination's declared category, else of the operation's, for the month's year.
           cur.eur_per_t + CASE WHEN tc.category IS NULL THEN 0 ELSE g.eur_per_t END AS current_eur_per_t,
           (cur.origin = 'reference' OR (tc.category IS NOT NULL AND g.origin = 'reference')) AS current_reference,
           acc.eur_per_t AS accepter_eur_per_t, acc.origin = 'reference' AS accepter_reference,
           e.kg_co2e_per_t, e.origin AS co2e_origin
    FROM today s
    CROSS JOIN z
    JOIN accepts a ON a.ewc = s.ewc AND a.company_id <> s.company_id AND a.company_id <> s.destination_id
    JOIN hierarchy ha ON ha.mode = a.treatment_mode
    LEFT JOIN received r ON r.month = s.month AND r.company_id = a.company_id AND r.ewc = s.ewc
    LEFT JOIN LATERAL (SELECT c.eur_per_t, c.origin FROM treatment_costs c
                       WHERE c.treatment = s.treatment AND (c.destination_id = s.destination_id OR c.destination_id IS NULL)
                         AND (c.ewc = s.ewc OR c.ewc IS NULL)
                       ORDER BY c.destination_id IS NULL, c.ewc IS NULL LIMIT 1) cur ON true
    LEFT JOIN LATERAL (SELECT c.eur_per_t, c.origin FROM treatment_costs c
                       WHERE c.treatment = a.treatment AND (c.destination_id = a.company_id OR c.destination_id IS NULL)
                         AND (c.ewc = s.ewc OR c.ewc IS NULL)
                       ORDER BY c.destination_id IS NULL, c.ewc IS NULL LIMIT 1) acc ON true
    LEFT JOIN treatments t ON t.code = s.treatment
    LEFT JOIN operators op ON op.id = s.destination_id
    CROSS JOIN LATERAL (SELECT CASE WHEN s.treatment_class <> 'disposal' THEN NULL
                                    ELSE coalesce(op.tgap_category,
                                                  CASE WHEN s.hazardous THEN t.tgap_hazardous ELSE t.tgap_non_hazardous END)
                               END AS category) tc
    LEFT JOIN tgap_category_rates g
        ON g.category = tc.category AND g.year = extract(year FROM s.month AT TIME ZONE z.time_zone)::int
    LEFT JOIN LATERAL (SELECT e.kg_co2e_per_t, e.origin FROM emission_factors e
                       WHERE e.stream_id = s.stream_id OR e.ewc = s.ewc
                       ORDER BY e.stream_id IS NULL LIMIT 1) e ON true)
SELECT month, company_id, stream_id, ewc, hazardous,
       destination_id                                                 AS current_destination,
       destination_kind                                               AS current_destination_kind,
       treatment                                                      AS current_treatment,
       treatment_mode                                                 AS current_mode,
       accepter_id, accepter_treatment, accepter_mode,
       treatment || ' -> ' || accepter_treatment                      AS change,
       CASE WHEN accepter_rank < worst_rank THEN 'up' ELSE 'same' END AS hierarchy,
       mass_g::double precision / 1e6                                 AS available_t,
       max_tonnes_per_month, accepter_received_t, fits_t,
       current_basis,
       fits_t * (current_eur_per_t - accepter_eur_per_t)              AS cost_avoided_eur,
       CASE WHEN current_eur_per_t IS NULL OR accepter_eur_per_t IS NULL THEN NULL
            WHEN current_reference OR accepter_reference THEN 'reference' ELSE 'zone' END AS cost_origin,
       CASE WHEN accepter_mode IN ('re-use', 'recycling') AND best_rank = 4 THEN fits_t * kg_co2e_per_t / 1000 END
                                                                      AS co2e_avoided_t,
       CASE WHEN accepter_mode IN ('re-use', 'recycling') AND best_rank = 4 THEN co2e_origin END AS co2e_origin
FROM o
-- A step down is no opportunity.
WHERE accepter_rank <= best_rank;

-- Savings and avoided impact (docs/kpis.md "Savings and avoided impact"), per local month, per
-- company (company_id set) and for the zone (NULL), over the tonnes recovered (re-use,
-- recycling, energy and other recovery; interim mass is pending and left out):
--   cost avoided = tonnes x (baseline EUR/t - actual EUR/t), where the baseline is the cost of
--     the zone's baseline treatment for the waste's hazard (`baseline_treatment`, default D1;
--     `hazardous_baseline_treatment`, default D10) for any destination, plus the TGAP of its
--     category (treatments.tgap_non_hazardous / tgap_hazardous) for the month's year; the actual
--     cost is the treatment's cost for the flow's destination, else for any destination;
--   CO2e avoided = tonnes prepared for re-use or recycled x the stream's factor (kg CO2e/t).
-- Each factor is the zone's or a reference estimate (`origin`); a flow is priced (factored) by
-- reference estimates when any of its factors is one. A flow without its factors counts in
-- `unpriced_t` / `unfactored_t`, never as 0 EUR or 0 t; `cost_status` / `co2e_status` say 'not
-- configured' when no tonne has them. `baseline_eur_per_t`: the highest baseline of the month's
-- flows.
-- Tonnes, euros and tCO2e are summed as numeric (exact), so that a sum does not depend on the
-- order a plan adds its rows in: a company reads the same zone row as the coordinator.
CREATE OR REPLACE VIEW savings_monthly_all AS
WITH z AS (SELECT time_zone, baseline_treatment, hazardous_baseline_treatment FROM zone_settings LIMIT 1),
f AS (
    SELECT f.period_start AS month, f.company_id, f.symbiosis, f.mass_g::numeric / 1000000 AS tonnes,
           -- R0 (re-use of what never became waste) avoids a disposal like a by-product, but it is
           -- neither recycled nor prepared for re-use: no recycling emission factor applies.
           f.treatment_mode IN ('re-use', 'recycling') AND f.treatment <> 'R0' AS recycled,
           a.eur_per_t AS actual_eur_per_t, a.origin AS actual_origin,
           b.eur_per_t + CASE WHEN bl.category IS NULL THEN 0 ELSE g.eur_per_t END AS baseline_eur_per_t,
           (b.origin = 'reference' OR (bl.category IS NOT NULL AND g.origin = 'reference')) AS baseline_reference,
           e.kg_co2e_per_t, e.origin AS co2e_origin
    FROM flows_by_period f CROSS JOIN z
    CROSS JOIN LATERAL (SELECT CASE WHEN f.hazardous THEN z.hazardous_baseline_treatment ELSE z.baseline_treatment END
                               AS treatment) bt
    LEFT JOIN treatments t ON t.code = bt.treatment
    CROSS JOIN LATERAL (SELECT CASE WHEN f.hazardous THEN t.tgap_hazardous ELSE t.tgap_non_hazardous END AS category) bl
    LEFT JOIN LATERAL (SELECT c.eur_per_t, c.origin FROM treatment_costs c
                       WHERE c.treatment = f.treatment AND (c.destination_id = f.destination_id OR c.destination_id IS NULL)
                         AND (c.ewc = f.ewc OR c.ewc IS NULL)
                       ORDER BY c.destination_id IS NULL, c.ewc IS NULL LIMIT 1) a ON true
    LEFT JOIN treatment_costs b ON b.treatment = bt.treatment AND b.destination_id IS NULL AND b.ewc IS NULL
    LEFT JOIN tgap_category_rates g
        ON g.category = bl.category AND g.year = extract(year FROM f.period_start AT TIME ZONE z.time_zone)::int
    LEFT JOIN LATERAL (SELECT e.kg_co2e_per_t, e.origin FROM emission_factors e
                       WHERE e.stream_id = f.stream_id OR e.ewc = f.ewc
                       ORDER BY e.stream_id IS NULL LIMIT 1) e ON true
    WHERE f.period = 'month' AND f.treatment_class IN ('re-use', 'recycling', 'energy-recovery', 'other-recovery')),
-- Each flow counted for its company and for the zone (company_id NULL).
g AS (
    SELECT month, co.company_id, symbiosis, tonnes, recycled, baseline_eur_per_t,
           tonnes * (baseline_eur_per_t - actual_eur_per_t)::numeric          AS avoided_eur,
           baseline_reference OR actual_origin = 'reference'                  AS priced_by_reference,
           CASE WHEN recycled THEN tonnes * kg_co2e_per_t::numeric / 1000 END AS avoided_co2e_t,
           co2e_origin
    FROM f CROSS JOIN LATERAL (VALUES (f.company_id), (NULL)) co (company_id)),
sums AS (
    SELECT month, company_id,
           sum(tonnes)                                                        AS recovered_t,
           coalesce(sum(tonnes) FILTER (WHERE symbiosis), 0)                  AS symbiosis_recovered_t,
           max(baseline_eur_per_t)                                            AS baseline_eur_per_t,
           sum(avoided_eur)                                                   AS cost_avoided_eur,
           -- 0 where nothing qualifies; NULL only where something does and has no factor.
           CASE WHEN bool_or(symbiosis) THEN sum(avoided_eur) FILTER (WHERE symbiosis) ELSE 0 END
                                                                              AS symbiosis_cost_avoided_eur,
           coalesce(sum(tonnes) FILTER (WHERE avoided_eur IS NULL), 0)        AS unpriced_t,
           coalesce(sum(tonnes) FILTER (WHERE recycled), 0)                   AS recycled_t,
           CASE WHEN bool_or(recycled) THEN sum(avoided_co2e_t) ELSE 0 END   AS co2e_avoided_t,
           CASE WHEN bool_or(recycled AND symbiosis) THEN sum(avoided_co2e_t) FILTER (WHERE symbiosis) ELSE 0 END
                                                                              AS symbiosis_co2e_avoided_t,
           coalesce(sum(tonnes) FILTER (WHERE recycled AND avoided_co2e_t IS NULL), 0) AS unfactored_t,
           coalesce(sum(tonnes) FILTER (WHERE avoided_eur IS NOT NULL AND NOT priced_by_reference), 0) AS priced_zone_t,
           coalesce(sum(tonnes) FILTER (WHERE avoided_eur IS NOT NULL AND priced_by_reference), 0) AS priced_reference_t,
           coalesce(sum(tonnes) FILTER (WHERE avoided_co2e_t IS NOT NULL AND co2e_origin = 'zone'), 0) AS factored_zone_t,
           coalesce(sum(tonnes) FILTER (WHERE avoided_co2e_t IS NOT NULL AND co2e_origin = 'reference'), 0)
                                                                              AS factored_reference_t
    FROM g
    GROUP BY month, company_id)
SELECT month, company_id, recovered_t::float8 AS recovered_t, symbiosis_recovered_t::float8 AS symbiosis_recovered_t,
       baseline_eur_per_t, cost_avoided_eur::float8 AS cost_avoided_eur,
       symbiosis_cost_avoided_eur::float8 AS symbiosis_cost_avoided_eur, unpriced_t::float8 AS unpriced_t,
       CASE WHEN unpriced_t = 0 THEN 'configured' WHEN unpriced_t < recovered_t THEN 'partly configured'
            ELSE 'not configured' END                                         AS cost_status,
       recycled_t::float8 AS recycled_t, co2e_avoided_t::float8 AS co2e_avoided_t,
       symbiosis_co2e_avoided_t::float8 AS symbiosis_co2e_avoided_t, unfactored_t::float8 AS unfactored_t,
       CASE WHEN recycled_t = 0 THEN 'nothing recycled' WHEN unfactored_t = 0 THEN 'configured'
            WHEN unfactored_t < recycled_t THEN 'partly configured' ELSE 'not configured' END AS co2e_status,
       priced_zone_t::float8 AS priced_zone_t, priced_reference_t::float8 AS priced_reference_t,
       factored_zone_t::float8 AS factored_zone_t, factored_reference_t::float8 AS factored_reference_t
FROM sums;

-- Plausibility (docs/kpis.md): every weighing (kind 1, NetMassKg; value_milli in grams) above
-- its container's `max_load_kg` as the registry says today. It stays in the figures as weighed,
-- never unremarked: `wasteflow report` and the company detail dashboard name it. Read from
-- `weighings` (migration 24), the readings of kind 1 alone, so that a year of them costs a
-- year's weighings on TimescaleDB too, not a year of `readings` chunks.
CREATE OR REPLACE VIEW implausible_weighings_all AS
    SELECT r.ts, c.company_id, a.container_id, s.gateway_id, s.number AS sensor,
           r.value_milli::double precision / 1e6                          AS mass_t,
           k.max_load_kg / 1000                                           AS max_load_t,
           (r.value_milli::double precision / 1e3 - k.max_load_kg) / 1000 AS excess_t,
           c.stream_id, c.treatment, c.destination_id, r.sensor_id, r.attribution_id
    FROM weighings r
    JOIN attributions a ON a.id = r.attribution_id
    JOIN classifications c ON c.id = a.classification_id
    JOIN sensors s ON s.id = r.sensor_id
    JOIN containers k ON k.id = a.container_id
    WHERE r.value_milli > k.max_load_kg * 1000;

-- Container fill in percent and collections, per hour and per local day (container_rollup_local_1d,
-- migration 21: the day's UTC hours).
CREATE OR REPLACE VIEW container_fill_hourly_all AS
    SELECT bucket AS hour, container_id, company_id,
           fill_min::double precision / 1000 AS fill_min_pct, fill_max::double precision / 1000 AS fill_max_pct,
           fill_sum::double precision / 1000 / nullif(fill_count, 0) AS fill_mean_pct,
           fill_count AS fill_readings, emptied AS collections
    FROM container_rollup_1h;
CREATE OR REPLACE VIEW container_fill_daily_all AS
    SELECT day, container_id, company_id,
           fill_min::double precision / 1000 AS fill_min_pct, fill_max::double precision / 1000 AS fill_max_pct,
           fill_sum::double precision / 1000 / nullif(fill_count, 0) AS fill_mean_pct,
           fill_count AS fill_readings, emptied AS collections
    FROM container_rollup_local_1d;

-- Dead letters per company and reason, per hour of receipt; `replayed`: how many of them
-- `wasteflow dead-letters replay` has stored since (the rest are pending). `company_id` is the
-- company the topic claims; `gateway_company_id` the one the registry gives the gateway (NULL:
-- a gateway it does not know), whose the dead letter is.
CREATE OR REPLACE VIEW rejections_hourly_all AS
    SELECT date_bin('1 hour', r.received_at, timestamptz '1970-01-01 00:00:00+00') AS hour,
           r.company_id, r.reason, count(*) AS messages,
           count(*) FILTER (WHERE r.replayed_at IS NOT NULL) AS replayed,
           g.company_id AS gateway_company_id
    FROM rejected_messages r LEFT JOIN gateways g ON g.id = r.gateway_id GROUP BY 1, 2, 3, 6;

-- Registry directories for dashboard variables.
CREATE OR REPLACE VIEW company_directory_all AS SELECT id, name, siren FROM companies WHERE active;
CREATE OR REPLACE VIEW container_directory_all AS
    SELECT c.id, c.company_id, c.type, c.volume_m3, c.overflow_threshold_pct, c.stream_id, s.ewc, c.treatment, c.destination_id
    FROM containers c LEFT JOIN streams s ON s.id = c.stream_id WHERE c.active;

-- Each sensor's attributions over time: which container it measured and how its masses were
-- reported, from when (valid_from NULL: carried over from a v1 database, which did not record
-- it).
CREATE OR REPLACE VIEW attribution_history_all AS
    SELECT a.id AS attribution_id, s.gateway_id, s.number AS sensor, a.valid_from, a.container_id,
           c.company_id, c.site_id, c.stream_id, c.ewc, c.hazardous, c.pop, c.status, c.treatment, c.treatment_mode,
           c.destination_id, a.sensor_id, a.classification_id
    FROM attributions a
    JOIN sensors s ON s.id = a.sensor_id
    JOIN classifications c ON c.id = a.classification_id;

-- Raw readings with their attribution spelled out, as the v1 `readings` table had it.
CREATE OR REPLACE VIEW readings_attributed_all AS
    SELECT r.ts, r.kind, r.value_milli, s.gateway_id, s.number AS sensor, c.company_id, a.container_id, c.site_id,
           c.stream_id, c.ewc, c.hazardous, c.treatment, c.destination_id,
           r.frame_seq::int8 & 4294967295 AS frame_seq, r.stored_at, r.sensor_id, r.attribution_id, a.classification_id
    FROM readings r
    JOIN sensors s ON s.id = r.sensor_id
    JOIN attributions a ON a.id = r.attribution_id
    JOIN classifications c ON c.id = a.classification_id;

-- Each attribution's latest weighing with a load (migration 24's `weighings`: the readings of
-- kind 1, net mass, value_milli in grams, above 0), found by the index of the attribution's
-- weighings whatever the history kept: the company detail's "Last weighing" is the latest of its
-- attributions'. (A query over all of a company's weighings through a reader view could not use
-- that index: a security-barrier view is planned without the query's ORDER BY and LIMIT.)
CREATE OR REPLACE VIEW last_weighings_all AS
    SELECT a.id AS attribution_id, c.company_id, a.container_id, c.stream_id, l.ts, l.value_milli
    FROM attributions a
    JOIN classifications c ON c.id = a.classification_id
    CROSS JOIN LATERAL (
        SELECT w.ts, w.value_milli FROM weighings w
        WHERE w.attribution_id = a.id AND w.value_milli > 0
        ORDER BY w.ts DESC LIMIT 1) l;

-- Alert and anomaly events, for Grafana annotations and history.
-- `value_unit`: the unit of open_value and close_value, as EventKind::unit says
-- (src/live/state/event_kind.rs; tests/documented_tables.rs holds this list to it).
CREATE OR REPLACE VIEW recent_events_all AS
    SELECT e.opened_at, e.closed_at, e.company_id, e.container_id, e.kind, e.open_value, e.close_value,
           c.type AS container_type, c.stream_id,
           CASE e.kind
               WHEN 'overflow' THEN '%'
               WHEN 'overflow_predicted' THEN 's'
               WHEN 'emptied_without_collection' THEN '% points'
               WHEN 'overload' THEN 'kg'
               WHEN 'fire_risk' THEN '°C'
               WHEN 'sensor_silent' THEN 's'
               WHEN 'battery_low' THEN '%'
               WHEN 'anomaly' THEN 'σ'
               WHEN 'device_fire_alarm' THEN '1 = raised'
               WHEN 'out_of_position' THEN '°'
               WHEN 'outside_geofence' THEN 'm'
               WHEN 'lid_open' THEN 's'
           END AS value_unit
    FROM events e LEFT JOIN containers c ON c.id = e.container_id;

-- Each container's live state, as the live stage last folded it (docs/scaling.md "One live state").
-- The levels of the sensors as deployed (docs/wire-format.md, variants 5 to 13) are read from the
-- state itself: each is {"value": v, "at_ms": t} (src/live/state.rs, `Latest`); the position is
-- [latitude, longitude, at_ms], the latest pair taken at one instant.
CREATE OR REPLACE VIEW live_containers_all AS
    SELECT l.container_id, l.company_id, c.type AS container_type, c.stream_id, l.fill_pct, l.fill_rate_per_hour,
           l.seconds_to_full, l.last_reading_at, l.battery_pct, l.temperature_c, l.last_mass_kg, l.anomaly_score,
           l.open_events, l.updated_at,
           (l.state #>> '{load_kg,value}')::float8                    AS load_kg,
           (l.state #>> '{lid,value}')::float8 >= 0.5                AS lid_open,
           to_timestamp((l.state ->> 'lid_open_since_ms')::float8 / 1000) AS lid_open_since,
           (l.state #>> '{tilt_deg,value}')::float8                   AS tilt_deg,
           (l.state #>> '{fire_alarm,value}')::float8 >= 0.5         AS fire_alarm,
           (l.state #>> '{position,0}')::float8                       AS latitude,
           (l.state #>> '{position,1}')::float8                       AS longitude,
           (l.state #>> '{rssi_dbm,value}')::float8                   AS rssi_dbm,
           (l.state #>> '{snr_db,value}')::float8                     AS snr_db,
           (l.state #>> '{quality_pct,value}')::float8                AS quality_pct,
           -- The haversine distance on the mean-radius sphere, as the live rule computes it
           -- (src/live/state.rs, Geofence::distance_m).
           -- (least() ignores NULLs: without a position or a site centre, no distance.)
           CASE WHEN l.state -> 'position' IS NOT NULL AND jsonb_typeof(l.state -> 'position') = 'array'
                     AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL THEN
           2 * 6371008.8 * asin(least(1, sqrt(
               power(sin(radians((l.state #>> '{position,0}')::float8 - s.latitude) / 2), 2)
               + cos(radians(s.latitude)) * cos(radians((l.state #>> '{position,0}')::float8))
                 * power(sin(radians((l.state #>> '{position,1}')::float8 - s.longitude) / 2), 2)))) END AS distance_from_site_m,
           CASE WHEN s.latitude IS NOT NULL THEN s.geofence_radius_m END AS geofence_radius_m
    FROM container_live l LEFT JOIN containers c ON c.id = l.container_id LEFT JOIN sites s ON s.id = c.site_id;

-- Each gateway's frame counter, and the frames that never arrived (docs/operations.md
-- "Frames missing before the daemon").
CREATE OR REPLACE VIEW gateway_frames_all AS
    SELECT s.gateway_id, g.company_id, s.next_seq, s.last_frame_at, s.pending_frames, s.frames_received,
           s.frames_missing, s.frames_late, s.restarts, s.updated_at
    FROM gateway_sequence s LEFT JOIN gateways g ON g.id = s.gateway_id;
CREATE OR REPLACE VIEW missing_frames_all AS
    SELECT f.declared_at, f.gateway_id, g.company_id, f.first_seq, f.last_seq, f.missing, f.after_frame_at, f.before_frame_at
    FROM frame_gaps f LEFT JOIN gateways g ON g.id = f.gateway_id;

-- When each container with a carrier is due for collection (docs/planning.md), as `wasteflow
-- plan` computes it with its defaults: the overflow forecast at 1.25 times the fill rate since
-- the last collection, a 2 h margin (the deadline), and the latest time the container's window
-- (its own, else its site's, else any time; local time of zone_settings) allows by then: the
-- deadline, or the close of the last window opening before it if that comes first; the first
-- opening left when none is (late when after the overflow). Per container: the grouping into trips
-- across companies, within the vehicles, is `wasteflow plan`'s.
CREATE OR REPLACE VIEW collections_due_all AS
    WITH z AS (SELECT time_zone AS tz FROM zone_settings LIMIT 1),
    c AS (
        SELECT c.id AS container_id, c.company_id, c.transporter_id, c.destination_id, c.volume_m3,
               c.max_load_kg, c.overflow_threshold_pct, l.fill_pct, l.fill_rate_per_hour, l.last_reading_at,
               -- x1.25 only once the rate spans a day (src/plan/schedule.rs FACTOR_FROM_H).
               l.last_reading_at + make_interval(secs => l.seconds_to_full
                   / CASE WHEN l.fill_rate_span < interval '24 hours' THEN 1 ELSE 1.25 END) AS overflow_at,
               CASE WHEN c.collection_days IS NOT NULL THEN c.collection_days ELSE s.collection_days END AS days,
               CASE WHEN c.collection_days IS NOT NULL THEN c.collection_from ELSE s.collection_from END AS w_from,
               CASE WHEN c.collection_days IS NOT NULL THEN c.collection_to ELSE s.collection_to END AS w_to
        FROM containers c
        JOIN container_live l ON l.container_id = c.id
        LEFT JOIN sites s ON s.id = c.site_id
        WHERE c.active AND c.transporter_id IS NOT NULL AND l.seconds_to_full IS NOT NULL
            AND l.last_reading_at IS NOT NULL AND l.fill_pct IS NOT NULL
    ),
    -- Each window day: its start (the opening, or now inside an open window) and the latest
    -- time the carrier may come, its close (23:59 for a window closing at 24:00, so that the
    -- pick-up stays on its day).
    w AS (
        SELECT c.container_id, c.overflow_at,
               greatest((d::date + coalesce(c.w_from, time '00:00')) AT TIME ZONE z.tz, now()) AS starts_at,
               CASE WHEN coalesce(c.w_to, time '24:00') = time '24:00'
                    THEN (d::date + time '24:00') AT TIME ZONE z.tz - interval '1 minute'
                    ELSE (d::date + c.w_to) AT TIME ZONE z.tz END AS latest_at
        FROM c CROSS JOIN z
        CROSS JOIN generate_series((now() AT TIME ZONE z.tz)::date - 1, (now() AT TIME ZONE z.tz)::date + 21, interval '1 day') d
        WHERE (c.days IS NULL OR to_char(d, 'dy') = ANY (c.days))
            AND (d::date + coalesce(c.w_to, time '24:00')) AT TIME ZONE z.tz > now()
    ),
    -- The same rule as src/plan/schedule.rs: on the last window day that starts at or before
    -- the deadline (overflow less 2 h), at the deadline or the window's close, whichever comes
    -- first, rounded down to the quarter hour of local time (the command's --slot 15m; never
    -- later than unrounded, never before the start); with no such day, the first start (late).
    -- Each by one pass over the window days grouped by container (a correlated subquery per
    -- container over all of them made the view quadratic in the containers).
    pick AS (
        SELECT DISTINCT ON (w.container_id) w.container_id,
               greatest(least(date_bin(interval '15 minutes', x.at AT TIME ZONE z.tz, timestamp '2000-01-01')
                                  AT TIME ZONE z.tz, x.at), w.starts_at) AS at
        FROM w CROSS JOIN z CROSS JOIN LATERAL (SELECT least(w.overflow_at - interval '2 hours', w.latest_at) AS at) x
        WHERE w.starts_at <= w.overflow_at - interval '2 hours'
        ORDER BY w.container_id, w.starts_at DESC
    ),
    first AS (SELECT container_id, min(starts_at) AS at FROM w GROUP BY container_id),
    due AS (
        SELECT c.*, coalesce(pick.at, first.at) AS collect_at
        FROM c LEFT JOIN pick ON pick.container_id = c.container_id LEFT JOIN first ON first.container_id = c.container_id
    ),
    f AS (
        -- At most 100 %, or the fill read when that is above (as src/plan/schedule.rs fill_at).
        SELECT due.*, least(greatest(100, fill_pct), fill_pct + greatest(coalesce(fill_rate_per_hour, 0), 0)
                   * greatest(extract(epoch FROM collect_at - last_reading_at), 0) / 3600) AS fill_at_collection_pct
        FROM due
    )
    SELECT container_id, company_id, transporter_id, destination_id,
           (collect_at AT TIME ZONE (SELECT tz FROM z))::date AS collect_date, collect_at, overflow_at,
           fill_pct, fill_rate_per_hour, fill_at_collection_pct,
           volume_m3 * fill_at_collection_pct / 100 AS expected_volume_m3,
           max_load_kg * fill_at_collection_pct / 100 AS expected_kg,
           collect_at > overflow_at AS late
    FROM f;

-- Data freshness and coverage (docs/kpis.md, "Freshness and coverage"): for each company of the
-- registry and each local month from the zone's first weighed day to the current month (or its
-- last weighed day's, if later), its
-- weighings (0 for a month with none), the tonnes they weighed and its last weighed day.
CREATE OR REPLACE VIEW weighing_coverage_monthly_all AS
WITH z AS (SELECT time_zone AS tz FROM zone_settings LIMIT 1),
months AS (
    SELECT m AT TIME ZONE z.tz AS month, (m + interval '1 month') AT TIME ZONE z.tz AS month_end
    FROM z, generate_series(date_trunc('month', (SELECT min(period_start) FROM flow_rollup_local WHERE period = 'day') AT TIME ZONE z.tz),
                            date_trunc('month', greatest(now(), (SELECT max(period_start) FROM flow_rollup_local WHERE period = 'day'))
                                       AT TIME ZONE z.tz),
                            interval '1 month') m
)
SELECT c.id AS company_id, mo.month,
       coalesce(sum(f.weighings), 0)::int8               AS weighings,
       coalesce(sum(f.mass_g), 0)::double precision / 1e6 AS weighed_t,
       max(f.day)                                        AS last_weighed_day
FROM companies c CROSS JOIN months mo
LEFT JOIN flows_daily_all f ON f.company_id = c.id AND f.day >= mo.month AND f.day < mo.month_end AND f.weighings > 0
GROUP BY c.id, mo.month;
