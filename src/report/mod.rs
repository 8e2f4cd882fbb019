//! Reporting: what the stored data says, read from the store and shaped for people and
//! authorities. It only reads; it never writes to the database. The command line calls one
//! function here and prints what it gets back; the SQL, the models and the renderings live here.
//!
//! - [`company_year`]: a company's ESRS E5-5 / GRI 306 figures of a local year, its exchanges,
//!   synergy opportunities and savings (`wasteflow report --company`): model, queries and text;
//! - [`zone_month`]: the coordinator's monthly bulletin of the zone (`wasteflow report --zone`);
//! - [`figures`]: the figures both read (ESRS categories, rates, months, exchanges);
//! - [`output`]: the same models as HTML (with inline SVG charts), CSV and JSON;
//! - [`plan`]: the collection plan read from the registry tables and the shared live state
//!   (`wasteflow plan`), computed by `crate::plan`, as text or JSON;
//! - [`register`]: the waste register in the national import format (`wasteflow register
//!   export`, docs/register.md);
//! - [`ZoneTime`]: the zone's time zone, read once from the database and shared by them;
//!   [`Period`]: the local year or month a report covers.

pub mod company_year;
mod error;
pub mod figures;
pub mod output;
mod period;
pub mod plan;
pub mod register;
mod words;
pub mod zone_month;
mod zone_time;

pub use error::ReportError;
pub use period::Period;
pub use zone_time::ZoneTime;
