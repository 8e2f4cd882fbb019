-- Savings from factors the zone can use on day one (docs/kpis.md "Savings and avoided impact"):
-- the TGAP by year and by the categories the law taxes apart, each figure's origin (the zone's
-- own, or a reference estimate shipped with wasteflow), a baseline for hazardous waste, and the
-- TGAP category a disposal operator declares. Registry data, replaced by every registry sync.

CREATE TABLE tgap_category_rates (
    year      integer NOT NULL,
    category  text    NOT NULL CHECK (category IN ('non-hazardous-landfill', 'hazardous-landfill',
                  'non-hazardous-incineration-efficient', 'non-hazardous-incineration', 'hazardous-incineration')),
    eur_per_t float8  NOT NULL CHECK (eur_per_t >= 0),
    source    text    NOT NULL,
    origin    text    NOT NULL CHECK (origin IN ('zone', 'reference')),
    PRIMARY KEY (year, category)
);

ALTER TABLE treatment_costs ADD COLUMN origin text NOT NULL DEFAULT 'zone' CHECK (origin IN ('zone', 'reference'));
ALTER TABLE emission_factors ADD COLUMN origin text NOT NULL DEFAULT 'zone' CHECK (origin IN ('zone', 'reference'));

-- The disposal a recovered tonne of hazardous waste would otherwise go to (zone file
-- `[factors] hazardous_baseline_treatment`, default D10).
ALTER TABLE zone_settings ADD COLUMN hazardous_baseline_treatment text;

-- The TGAP line an operator that landfills or incinerates declares (zone file `tgap_category`).
ALTER TABLE operators ADD COLUMN tgap_category text;

-- The TGAP line each operation pays on non-hazardous and on hazardous waste when its destination
-- declares none (NULL: untaxed), written from src/zone/synergy.rs (TgapCategory::of_disposal) by
-- the registry sync with the rest of `treatments`.
ALTER TABLE treatments ADD COLUMN tgap_non_hazardous text, ADD COLUMN tgap_hazardous text;

-- The per-year rates of migration 14 are read no more (tgap_category_rates holds them by
-- category); the savings view that read them is defined again from views.sql.
DROP TABLE tgap_rates CASCADE;

GRANT SELECT, INSERT, DELETE ON tgap_category_rates TO wasteflow_writer;
