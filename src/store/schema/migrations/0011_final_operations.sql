-- The final operations a destination (a company of the zone or an operator) declares it
-- applies to the interim mass it receives, with shares (zone file `final_operations`,
-- docs/kpis.md "Resolved figures"). Registry data, like names: what the destination does now,
-- replaced by every registry sync; the resolved ESRS views split pending mass by it.
CREATE TABLE final_operations (
    destination_id text    NOT NULL,
    treatment      text    NOT NULL,  -- a final operation code (never an interim one)
    treatment_mode text    NOT NULL,  -- its step of the waste hierarchy, as classifications.treatment_mode
    share          numeric NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (destination_id, treatment, treatment_mode)
);

-- The registry sync replaces a destination's declaration: delete, then insert.
GRANT SELECT, INSERT, DELETE ON final_operations TO wasteflow_writer;
