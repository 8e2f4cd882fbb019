-- The waste register (docs/register.md): what the registry must say about a shipment beyond
-- the classification. Labels, read as they are today (docs/storage.md, "What is not history").
-- Registered as version 9 on the `register` branch; renumbered 10 when merged after 0009.

-- Carriers (transporteurs) and their prefecture receipt (récépissé).
CREATE TABLE transporters (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    siret               text NOT NULL,
    address             text NOT NULL,
    receipt_number      text,
    receipt_department  text,
    receipt_valid_until date,
    receipt_exempt      boolean NOT NULL DEFAULT false,
    active              boolean NOT NULL DEFAULT true
);

-- An operator's plant address ("street, postcode town").
ALTER TABLE operators ADD COLUMN address text;

-- The carrier of a container's shipments; none for in-house treatment.
ALTER TABLE containers ADD COLUMN transporter_id text;

GRANT SELECT, INSERT, UPDATE ON transporters TO wasteflow_writer;
