-- Streams carry what the French waste register asks of a waste besides its code: whether it
-- contains persistent organic pollutants (Regulation (EU) 2019/1021), and, for a mirror entry
-- of the List of Waste declared hazardous (or not), the assessment behind that choice.
ALTER TABLE streams ADD COLUMN pop boolean NOT NULL DEFAULT false;
ALTER TABLE streams ADD COLUMN hazard_assessment text;
-- Containers carry the treatment mode (the step of the waste hierarchy their operation
-- achieves); NULL for an interim operation, whose mass is pending a final one.
ALTER TABLE containers ADD COLUMN treatment_mode text;
