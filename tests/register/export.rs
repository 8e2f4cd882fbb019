//! Reading a site's register back in the tests (tests/register.rs, tests/register_weighbridge.rs).

use super::common::storage::StorageTarget;
use std::time::Duration;
use wasteflow::calendar::parse_date;
use wasteflow::report::register::{export, Direction, Purpose, Register, Request};

/// The register for `purpose`, to be imported on 2027-12-31 (after every test date).
pub async fn register_for(
    target: &StorageTarget,
    siret: &str,
    direction: Direction,
    purpose: Purpose,
    from: &str,
    to: &str,
) -> Register {
    let request = Request {
        siret: siret.to_string(),
        direction,
        purpose,
        from: parse_date(from).unwrap(),
        to: parse_date(to).unwrap(),
        import_on: parse_date("2027-12-31").unwrap(),
    };
    let db = target.connect().await;
    let r = export(&db.client, &request, Duration::from_secs(30)).await.expect("export");
    db.close().await;
    r
}

/// The value of `header` in line `line`.
pub fn value<'a>(r: &'a Register, line: usize, header: &str) -> &'a str {
    let i = r.headers().iter().position(|h| *h == header).unwrap_or_else(|| panic!("no column {header:?}"));
    &r.lines[line].values[i]
}
