-- Reference costs by material (issue 28): a treatment's reference estimate may depend on what is
-- treated (cardboard sold at one price, scrap at another, both R3 or R4), so a cost row may name
-- the stream it prices. The savings views take, for a flow, its destination's row first, then its
-- stream's, then the treatment's any-destination row (docs/kpis.md "Cost avoided").
ALTER TABLE treatment_costs ADD COLUMN stream_id text;
