-- Containers as deployed (docs/wire-format.md, variants 5 to 13): load cells, lids, tilt,
-- device fire alarms, positions and radio diagnostics. The readings themselves need no new
-- column: a kind is a number, and its value is stored as MeasurementKind::stored_per_unit says
-- (thousandths; millionths of a degree for coordinates).
--
-- A site's centre and the radius of its geofence: a container reported outside it opens
-- "outside_geofence" (docs/operations.md). Both coordinates or neither (the registry check says so).
ALTER TABLE sites
    ADD COLUMN latitude          double precision,
    ADD COLUMN longitude         double precision,
    ADD COLUMN geofence_radius_m double precision NOT NULL DEFAULT 200;

COMMENT ON COLUMN readings.kind IS
    'MeasurementKind number: 0 fill %, 1 net mass kg (leaving at a collection), 2 emptied, 3 temperature C, '
    '4 battery %, 5 load kg (a level), 6 lid open (1/0), 7 tilt deg, 8 device fire alarm (1/0), 9 latitude, '
    '10 longitude, 11 RSSI dBm, 12 SNR dB, 13 measurement quality %';
COMMENT ON COLUMN readings.value_milli IS
    'the value x 1000 (grams for masses), except latitude and longitude: x 1,000,000 (millionths of a degree)';

-- events.kind gains device_fire_alarm, out_of_position, outside_geofence and lid_open
-- (src/live/state.rs, EventKind; docs/operations.md "Events").
COMMENT ON COLUMN events.kind IS
    'EventKind name: overflow, overflow_predicted, emptied_without_collection, overload, fire_risk, sensor_silent, '
    'battery_low, anomaly, device_fire_alarm, out_of_position, outside_geofence, lid_open';
