-- Collection planning across companies (docs/planning.md): when carriers may come, and what
-- one of their vehicles carries. Labels, read as they are today (as the register's fields).
-- Numbered 15: 13 and 14 are other branches' migrations.

-- A collection window: local days ('mon' .. 'sun') and hours of the zone's time zone
-- (zone_settings). On a site for all its containers; a container's own window wins.
ALTER TABLE sites ADD COLUMN collection_days text[];
ALTER TABLE sites ADD COLUMN collection_from time;
ALTER TABLE sites ADD COLUMN collection_to time;
ALTER TABLE containers ADD COLUMN collection_days text[];
ALTER TABLE containers ADD COLUMN collection_from time;
ALTER TABLE containers ADD COLUMN collection_to time;

-- What one vehicle of the carrier carries; NULL: no limit declared.
ALTER TABLE transporters ADD COLUMN vehicle_volume_m3 double precision;
ALTER TABLE transporters ADD COLUMN vehicle_mass_kg double precision;
