-- Local calendar (docs/kpis.md): the views' days, months and years are those of the zone's
-- time zone (`[zone] time_zone`). One row, rewritten by every registry sync; the views read it.
-- Until the first sync it holds the default time zone of the configuration.
CREATE TABLE zone_settings (
    one       boolean PRIMARY KEY DEFAULT true CHECK (one),
    time_zone text    NOT NULL
);
INSERT INTO zone_settings (time_zone) VALUES ('Europe/Paris');

GRANT SELECT, UPDATE ON zone_settings TO wasteflow_writer;
