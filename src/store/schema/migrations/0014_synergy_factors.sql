-- Synergy opportunities and savings (docs/kpis.md "Synergy opportunities", "Savings and
-- avoided impact"). Registry data, like final_operations: what the zone file declares now,
-- replaced by every registry sync; the views read it.

-- The waste a company of the zone declares it can take (zone file `accepts`).
CREATE TABLE accepts (
    company_id           text   NOT NULL,
    ewc                  text   NOT NULL,  -- normalised as classifications.ewc
    treatment            text   NOT NULL,  -- a final operation code
    treatment_mode       text   NOT NULL,  -- its step of the waste hierarchy
    max_tonnes_per_month float8 NOT NULL CHECK (max_tonnes_per_month > 0),
    PRIMARY KEY (company_id, ewc, treatment)
);

-- TGAP per year (article 266 nonies of the code des douanes), EUR per tonne; NULL: not configured.
CREATE TABLE tgap_rates (
    year                   integer PRIMARY KEY,
    landfill_eur_per_t     float8 CHECK (landfill_eur_per_t >= 0),
    incineration_eur_per_t float8 CHECK (incineration_eur_per_t >= 0),
    source                 text   NOT NULL
);

-- Cost of a treatment per tonne, TGAP excluded; destination_id NULL: any destination.
CREATE TABLE treatment_costs (
    treatment      text   NOT NULL,
    destination_id text,
    eur_per_t      float8 NOT NULL,
    source         text   NOT NULL
);

-- Emissions avoided per tonne of a stream recycled rather than disposed of, kg CO2e.
CREATE TABLE emission_factors (
    stream_id        text   PRIMARY KEY,
    kg_co2e_per_t    float8 NOT NULL,
    source           text   NOT NULL
);

-- The disposal operation a recovered tonne would otherwise go to (zone file
-- `[factors] baseline_treatment`); NULL: the cost avoided is not configured.
ALTER TABLE zone_settings ADD COLUMN baseline_treatment text;

-- The registry sync replaces them: delete, then insert.
GRANT SELECT, INSERT, DELETE ON accepts, tgap_rates, treatment_costs, emission_factors TO wasteflow_writer;
