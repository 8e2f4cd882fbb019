//! `wasteflow report --company ID [--year YYYY]`: a company's year on one page
//! ([`crate::report::company_year`] reads and renders it); the zone's current year by default.

use crate::config::Settings;
use crate::report::{company_year, ZoneTime};
use crate::store::connect;
use std::error::Error;
use std::process::ExitCode;

pub async fn run(settings: &Settings, company: &str, year: Option<i32>) -> Result<ExitCode, Box<dyn Error>> {
    let db = connect(&settings.database).await?;
    let year = match year {
        Some(y) => y,
        None => i32::from(ZoneTime::read(&db.client).await?.today(&db.client).await?.year()),
    };
    let report = company_year::read(&db.client, company, year).await;
    db.close().await;
    print!("{}", company_year::render(&report?));
    Ok(ExitCode::SUCCESS)
}
