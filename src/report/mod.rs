//! Reporting: what the stored data says, read from the store and shaped for people and
//! authorities. It only reads; it never writes to the database. The command line calls one
//! function here and prints what it gets back; the SQL, the models and the renderings live here.
//!
//! - [`company_year`]: a company's ESRS E5-5 / GRI 306 figures of a local year, its synergy
//!   opportunities and savings (`wasteflow report`): model, queries and text, apart;
//! - [`plan`]: the collection plan read from the registry tables and the shared live state
//!   (`wasteflow plan`), computed by `crate::plan`, as text or JSON;
//! - [`register`]: the waste register in the national import format (`wasteflow register
//!   export`, docs/register.md);
//! - [`ZoneTime`]: the zone's time zone, read once from the database and shared by the three.

pub mod company_year;
mod error;
pub mod plan;
pub mod register;
mod zone_time;

pub use error::ReportError;
pub use zone_time::ZoneTime;
