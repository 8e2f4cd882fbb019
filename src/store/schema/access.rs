//! Who sees which rows of the views readers query (docs/security.md): the one definition of the
//! access model. Each view a reader may query is a thin filter (or none) over an unfiltered `<view>_all`
//! that `views.sql` defines and nobody but the owner reads. The zone's aggregates are computed
//! in the `_all` views, over every company, before anything is filtered: a company reads the
//! same zone figures as the coordinator and none of the rows they sum.
//!
//! The filter asks two functions of migration 16 (PL/pgSQL, so a session plans their
//! statements once), each once per query (an init plan):
//! `wf_sees_all()` (a superuser, the owner, the writer or a coordinator) and `wf_companies()`
//! (the companies whose role the current role holds). The views are `security_barrier`: a
//! condition a reader adds, or a function a reader writes, is never evaluated on a row the
//! filter hides.

/// Which rows of a view a role that does not see every company reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sees {
    /// Every row: the view holds zone aggregates only, or nothing that belongs to a company.
    Everything,
    /// No row: the view joins two companies' figures that neither may see of the other.
    CoordinatorOnly,
    /// The rows whose column names one of its companies; a row without a company (NULL) is
    /// nobody's, so the coordinator's only.
    Own(&'static str),
    /// Its companies' rows, and the zone's aggregate rows (the column is NULL on them).
    OwnAndZone(&'static str),
    /// The rows where one of its companies is at either end (an exchange between two companies).
    EitherEnd(&'static str, &'static str),
}

/// Every view a reader may query, with what a company sees of it (the GRANT and the filters
/// are generated from this list).
pub const READER_VIEWS: &[(&str, Sees)] = &[
    ("flows_daily", Sees::Own("company_id")),
    ("kpi_company_daily", Sees::Own("company_id")),
    ("kpi_company_monthly", Sees::Own("company_id")),
    ("kpi_company_yearly", Sees::Own("company_id")),
    ("kpi_zone_daily", Sees::Everything),
    ("kpi_zone_monthly", Sees::Everything),
    ("kpi_zone_yearly", Sees::Everything),
    ("kpi_esrs_e5_5", Sees::OwnAndZone("company_id")),
    ("kpi_esrs_e5_5_rates", Sees::OwnAndZone("company_id")),
    ("kpi_esrs_e5_5_resolved", Sees::OwnAndZone("company_id")),
    ("kpi_esrs_e5_5_rates_resolved", Sees::OwnAndZone("company_id")),
    ("exchange_flows_daily", Sees::EitherEnd("source_company", "destination_company")),
    ("exchange_flows_monthly", Sees::EitherEnd("source_company", "destination_company")),
    ("exchange_flows_yearly", Sees::EitherEnd("source_company", "destination_company")),
    // A producer's stream beside what the accepter already receives from every producer
    // (`accepter_received_t`, and `fits_t` from it): the coordinator brokers the exchange.
    ("synergy_opportunities", Sees::CoordinatorOnly),
    ("savings_monthly", Sees::OwnAndZone("company_id")),
    ("container_fill_hourly", Sees::Own("company_id")),
    ("container_fill_daily", Sees::Own("company_id")),
    // A dead letter is its gateway's company's, whatever company its topic claims.
    ("rejections_hourly", Sees::Own("gateway_company_id")),
    ("company_directory", Sees::Own("id")),
    ("container_directory", Sees::Own("company_id")),
    ("recent_events", Sees::Own("company_id")),
    ("attribution_history", Sees::Own("company_id")),
    ("readings_attributed", Sees::Own("company_id")),
    ("last_weighings", Sees::Own("company_id")),
    ("live_containers", Sees::Own("company_id")),
    ("gateway_frames", Sees::Own("company_id")),
    ("missing_frames", Sees::Own("company_id")),
    ("collections_due", Sees::Own("company_id")),
    ("implausible_weighings", Sees::Own("company_id")),
    ("weighing_coverage_monthly", Sees::Own("company_id")),
];

/// The role every reader holds: SELECT on [`READER_VIEWS`], nothing else (migration 16).
pub const READER_ROLE: &str = "wasteflow_reader";

impl Sees {
    /// The condition a row must meet, or None for every row.
    fn condition(self) -> Option<String> {
        let own = |column: &str| format!("{column} = ANY ((SELECT wf_companies())::text[])");
        let rows = match self {
            Sees::Everything => return None,
            Sees::CoordinatorOnly => return Some("(SELECT wf_sees_all())".into()),
            Sees::Own(c) => own(c),
            Sees::OwnAndZone(c) => format!("{c} IS NULL OR {}", own(c)),
            Sees::EitherEnd(a, b) => format!("{} OR {}", own(a), own(b)),
        };
        Some(format!("(SELECT wf_sees_all()) OR {rows}"))
    }
}

/// The reader views over their `_all` views, and the reader role's grant on them (applied
/// after `views.sql`).
pub fn sql() -> String {
    let mut out = String::from("-- Generated from READER_VIEWS (src/store/schema/access.rs): what each reader sees.\n");
    for (view, sees) in READER_VIEWS {
        // Behind a barrier even with no condition: the `_all` view's own WHERE (the zone rows of
        // `kpi`, say) is then evaluated before any function of the reader's.
        let filter = sees.condition().map(|c| format!(" WHERE {c}")).unwrap_or_default();
        out.push_str(&format!(
            "CREATE OR REPLACE VIEW {view} WITH (security_barrier) AS SELECT * FROM {view}_all{filter};\n"
        ));
    }
    let names: Vec<&str> = READER_VIEWS.iter().map(|(v, _)| *v).collect();
    out.push_str(&format!("GRANT SELECT ON {} TO {READER_ROLE};\n", names.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_filtered_view_reads_an_unfiltered_one_that_views_sql_defines() {
        let views = include_str!("views.sql");
        for (view, _) in READER_VIEWS {
            let all = format!("CREATE OR REPLACE VIEW {view}_all AS");
            let own = format!("CREATE OR REPLACE VIEW {view} AS");
            assert!(views.contains(&all), "views.sql defines {view}_all");
            assert!(!views.contains(&own), "{view} is generated, not in views.sql");
        }
    }

    #[test]
    fn a_filter_hides_what_a_role_does_not_hold() {
        let c = Sees::EitherEnd("source_company", "destination_company").condition().unwrap();
        assert_eq!(
            c,
            "(SELECT wf_sees_all()) OR source_company = ANY ((SELECT wf_companies())::text[]) \
             OR destination_company = ANY ((SELECT wf_companies())::text[])"
        );
        assert_eq!(Sees::Everything.condition(), None);
        assert_eq!(Sees::CoordinatorOnly.condition().unwrap(), "(SELECT wf_sees_all())");
        assert!(Sees::OwnAndZone("company_id").condition().unwrap().contains("company_id IS NULL OR"));
    }
}
