-- Reference estimates by material (issue 28). A treatment's reference cost may depend on what is
-- treated (cardboard and plastics are both R3, at different prices), and a material's reference
-- emission factor belongs to its List of Waste codes. Both are keyed by the code a flow was
-- weighed under (`flows_by_period.ewc`), never by today's code of its stream: a stream recoded
-- later leaves its past months priced and factored as they were weighed. The zone's own emission
-- factors stay keyed by stream. The savings views take, for a flow's cost, its destination's row
-- first, then its code's, then the treatment's any-destination row; for its factor, its stream's
-- row, then its code's (docs/kpis.md "Cost avoided", "CO2e avoided").
ALTER TABLE treatment_costs ADD COLUMN ewc text;

ALTER TABLE emission_factors DROP CONSTRAINT emission_factors_pkey;
ALTER TABLE emission_factors ALTER COLUMN stream_id DROP NOT NULL;
ALTER TABLE emission_factors ADD COLUMN ewc text;
ALTER TABLE emission_factors ADD CONSTRAINT emission_factors_stream_or_code CHECK ((stream_id IS NULL) <> (ewc IS NULL));
CREATE UNIQUE INDEX emission_factors_stream ON emission_factors (stream_id) WHERE stream_id IS NOT NULL;
CREATE UNIQUE INDEX emission_factors_code ON emission_factors (ewc) WHERE ewc IS NOT NULL;
