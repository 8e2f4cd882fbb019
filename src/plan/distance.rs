//! Road distance between two places, estimated: the great-circle distance times a detour
//! factor (docs/planning.md "Kilometres, tCO2e and euros"). No road network is read.

/// The mean radius of the Earth, km: that of the GRS 80 ellipsoid, R1 = (2a + b) / 3 with
/// a = 6,378.137 km and b = 6,356.752314 km, (12,756.274 + 6,356.752314) / 3 = 6,371.0088 km.
pub const EARTH_RADIUS_KM: f64 = 6_371.008_8;

/// How much longer a road trip is than the straight line, by default: 1.2. The basis: network
/// distance between random points of an urban area is about 1.2 times the straight-line one
/// (Newell, 1980), and 1.21 to 1.23 around transit stations (O'Sullivan, 1996), both as the
/// Wikibooks chapter "Transportation Geography and Network Science/Circuity" reports them. The
/// zone's trips are short and mostly urban; no study of the Artois road network was read, so
/// this stays an assumption, set with `--detour`.
pub const DEFAULT_DETOUR: f64 = 1.2;

/// A place, WGS 84 decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    /// A place from two optional coordinates: none unless both are given.
    pub fn from_pair(lat: Option<f64>, lon: Option<f64>) -> Option<Point> {
        Some(Point { lat: lat?, lon: lon? })
    }
}

/// Great-circle distance on a sphere of [`EARTH_RADIUS_KM`], km (the haversine formula:
/// d = 2R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))).
pub fn great_circle_km(a: Point, b: Point) -> f64 {
    let (phi1, phi2) = (a.lat.to_radians(), b.lat.to_radians());
    let (d_phi, d_lambda) = ((b.lat - a.lat).to_radians(), (b.lon - a.lon).to_radians());
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Estimated road distance, km: the great-circle distance times `detour`.
pub fn road_km(a: Point, b: Point, detour: f64) -> f64 {
    great_circle_km(a, b) * detour
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tolerance: f64) {
        assert!((got - want).abs() <= tolerance, "got {got}, want {want} within {tolerance}");
    }

    #[test]
    fn one_degree_along_a_meridian_is_the_radius_times_pi_over_180() {
        // 50°N to 51°N at 3°E: Δφ = 1° = π / 180 rad, Δλ = 0, so d = R x π / 180 =
        // 6,371.0088 x 0.0174533 = 111.195 km; by road x 1.2: 133.434 km.
        let (a, b) = (Point { lat: 50.0, lon: 3.0 }, Point { lat: 51.0, lon: 3.0 });
        close(great_circle_km(a, b), 111.195, 0.001);
        close(road_km(a, b, 1.2), 133.434, 0.001);
        close(road_km(b, a, 1.2), 133.434, 0.001);
    }

    #[test]
    fn a_quarter_of_the_equator_and_a_point_to_itself() {
        // 0°E to 90°E on the equator: a quarter of the circumference, R x π / 2 = 10,007.557 km.
        let quarter = great_circle_km(Point { lat: 0.0, lon: 0.0 }, Point { lat: 0.0, lon: 90.0 });
        close(quarter, 10_007.557, 0.001);
        let lievin = Point { lat: 50.4231, lon: 2.7789 };
        assert_eq!(road_km(lievin, lievin, 1.2), 0.0);
    }

    #[test]
    fn one_degree_of_longitude_at_60_degrees_north_is_half_of_one_at_the_equator() {
        // Along the parallel 60°N, 1° of longitude is R x cos 60° x π / 180 = 55.5975 km; the
        // great circle between its ends is a little shorter: h = cos²60° x sin²(0.5°) = 0.25 x
        // 7.6152e-5 = 1.9038e-5, d = 2R asin(sqrt h) = 2 x 6,371.0088 x 0.00436328 = 55.5970 km.
        let d = great_circle_km(Point { lat: 60.0, lon: 0.0 }, Point { lat: 60.0, lon: 1.0 });
        close(d, 55.597, 0.0005);
        assert!(Point::from_pair(Some(50.0), None).is_none() && Point::from_pair(None, Some(2.0)).is_none());
    }
}
