-- What the receiving site's own weighing says of a shipment (docs/register.md, "Weighing at
-- the destination"). The incoming register's "Heure de pesée" is the hour of the receiving
-- site's weighing (code de l'environnement L. 541-30-3; the import's `refineWeighingHour`), not
-- the producer's container sensor; the internal register's slip number is the one written on
-- the weighbridge's ticket.

-- A weighbridge (pont-bascule) at a site of the zone: `[[weighbridges]]` of the zone file,
-- written by every registry sync. A weighbridge left out of the file is kept, inactive, with
-- the weighings it recorded.
CREATE TABLE weighbridges (
    id         text PRIMARY KEY,
    company_id text NOT NULL,     -- the site's company, for the row-level security below
    site_id    text NOT NULL,
    name       text,
    active     boolean NOT NULL DEFAULT true
);

-- One ticket of a weighbridge: a container of the zone weighed on arrival, imported by
-- `wasteflow register weighings`. A ticket imported twice is stored once.
CREATE TABLE reception_weighings (
    weighbridge_id text        NOT NULL,
    container_id   text        NOT NULL,
    weighed_at     timestamptz NOT NULL,
    net_grams      bigint      NOT NULL CHECK (net_grams > 0),
    slip_number    text,                  -- the Trackdéchets slip (BSDD, BSDA ...) on the ticket
    imported_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (weighbridge_id, container_id, weighed_at)
);
CREATE INDEX reception_weighings_container ON reception_weighings (container_id, weighed_at);

GRANT SELECT, INSERT, UPDATE ON weighbridges TO wasteflow_writer;
GRANT SELECT, INSERT ON reception_weighings TO wasteflow_writer;

-- Row-level security as on every table that carries a company (migration 16): a company's
-- reader sees the weighbridges of its own sites and their tickets.
ALTER TABLE weighbridges ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_writer ON weighbridges TO wasteflow_writer USING (true) WITH CHECK (true);
CREATE POLICY wf_coordinator ON weighbridges FOR SELECT TO wasteflow_coordinator USING (true);
CREATE POLICY wf_company ON weighbridges FOR SELECT TO wasteflow_reader
    USING (company_id = ANY ((SELECT wf_companies())::text[]));
ALTER TABLE reception_weighings ENABLE ROW LEVEL SECURITY;
CREATE POLICY wf_writer ON reception_weighings TO wasteflow_writer USING (true) WITH CHECK (true);
CREATE POLICY wf_coordinator ON reception_weighings FOR SELECT TO wasteflow_coordinator USING (true);
CREATE POLICY wf_company ON reception_weighings FOR SELECT TO wasteflow_reader
    USING (weighbridge_id IN (SELECT id FROM weighbridges WHERE company_id = ANY ((SELECT wf_companies())::text[])));
-- The policy above reads weighbridges as the reader, as those of migration 16 read gateways.
GRANT SELECT ON weighbridges TO wasteflow_reader;
