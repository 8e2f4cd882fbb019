//! Storage suite: each company sees its own data (docs/security.md), enforced by the database.
//! As a company's role, every view returns exactly the coordinator's rows that the access model
//! gives the company (none of another company's, the zone aggregates whole, the exchanges it is
//! one end of); every other relation is refused; and a table an operator grants shows the
//! company its own rows only (row-level security). A registry sync that adds a company creates
//! its role, whose rows show at once; one that removes it keeps its history.

mod common;
use common::storage::{example_zone_with, fill_simulated, weighing, StorageTarget, SIMULATED_START_MS};
use serde_json::Value;
use std::collections::BTreeMap;
use wasteflow::store::{prepare, Db, Sees, READER_VIEWS};
use wasteflow::zone::Zone;

/// The company whose role reads: it sends waste to operators, receives exchanges from
/// metallerie-lievin and others, and exchanges nothing with plasturgie-gohelle's suppliers.
const A: &str = "beton-artois";

/// The first column of every row of `sql`, as text.
async fn texts(db: &Db, sql: &str) -> Vec<String> {
    db.client.query(sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e:?}")).iter().map(|r| r.get(0)).collect()
}

async fn role_of(db: &Db, company: &str) -> String {
    db.client.query_one("SELECT wf_company_role($1)::text", &[&company]).await.unwrap().get(0)
}

/// Every row of `relation` as `role` and as the coordinator, read in one transaction (one
/// `now()`): (as role, as coordinator), each sorted, as JSON.
async fn both_views(db: &mut Db, role: &str, relation: &str) -> (Vec<Value>, Vec<Value>) {
    let tx = db.client.transaction().await.unwrap();
    let mut read = Vec::new();
    for r in [role, "wasteflow_coordinator"] {
        tx.batch_execute(&format!("SET LOCAL ROLE \"{r}\"")).await.unwrap();
        let rows = tx
            .query(&format!("SELECT to_jsonb(t)::text FROM {relation} t"), &[])
            .await
            .unwrap_or_else(|e| panic!("{relation} as {r}: {e:?}"));
        let mut rows: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        rows.sort();
        read.push(rows.iter().map(|s| serde_json::from_str(s).unwrap()).collect());
    }
    tx.commit().await.unwrap();
    let coordinator = read.pop().unwrap();
    (read.pop().unwrap(), coordinator)
}

/// Whether the access model gives `company` this row of a view (written out here, from
/// docs/security.md, not from the SQL).
fn sees(rule: Sees, row: &Value, company: &str) -> bool {
    let is =
        |column: &str| row.get(column).unwrap_or_else(|| panic!("no column {column}: {row}")).as_str() == Some(company);
    match rule {
        Sees::Everything => true,
        Sees::CoordinatorOnly => false,
        Sees::Own(c) => is(c),
        Sees::OwnAndZone(c) => row[c].is_null() || is(c),
        Sees::EitherEnd(a, b) => is(a) || is(b),
    }
}

/// The fixture: the example zone with [`common::storage::LANDFILLED`], 600 simulated frames of every company (2 % malformed), each
/// container's live state and one open event, each gateway's frame counter and one gap, and a
/// dead letter from a gateway the registry does not know, on a topic that claims company A.
async fn filled() -> (StorageTarget, Zone, Db) {
    let target = StorageTarget::new().await;
    let zone = example_zone_with(common::storage::LANDFILLED);
    let prepared = prepare(&target.settings, &zone, true).await.expect("prepare");
    assert!(prepared.registry.roles.missing.is_empty(), "the test's login creates roles: {:?}", prepared.registry);
    let zone = zone.with_ids(prepared.ids);
    fill_simulated(&target, &zone).await;
    let db = target.connect().await;
    db.client
        .batch_execute(&format!(
            "INSERT INTO container_live (container_id, company_id, state, fill_pct, fill_rate_per_hour, seconds_to_full, last_reading_at)
             SELECT id, company_id, '{{}}', 60, 1, (overflow_threshold_pct - 60) * 3600, now() FROM containers
             ON CONFLICT (container_id) DO NOTHING;
             INSERT INTO events (container_id, company_id, kind, opened_at, open_value)
             SELECT id, company_id, 'overflow', now(), 95 FROM containers;
             INSERT INTO gateway_sequence (gateway_id, next_seq, frames_received, frames_missing)
             SELECT id, 100, 97, 3 FROM gateways ON CONFLICT (gateway_id) DO NOTHING;
             INSERT INTO frame_gaps (gateway_id, first_seq, last_seq, missing) SELECT id, 10, 12, 3 FROM gateways;
             INSERT INTO rejected_messages (received_at, topic, gateway_id, company_id, reason, detail, reading_index, payload, message_sha256)
             VALUES (now(), 'zone/{A}/gw-stranger/up', 'gw-stranger', '{A}', 'unknown_gateway', 'not in the registry', -1,
                     '\\x01', sha256('stranger'::bytea));"
        ))
        .await
        .expect("live state, events and a stranger's dead letter");
    (target, zone, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_reads_its_own_rows_the_zone_aggregates_and_its_exchanges_only() {
    let (target, _zone, mut db) = filled().await;
    let role = role_of(&db, A).await;

    // Every reader view: exactly the coordinator's rows the model gives A.
    let mut hidden = BTreeMap::new();
    for (view, rule) in READER_VIEWS {
        let (mine, all) = both_views(&mut db, &role, view).await;
        let expected: Vec<&Value> = all.iter().filter(|r| sees(*rule, r, A)).collect();
        let got: Vec<&Value> = mine.iter().collect();
        assert_eq!(got, expected, "{view}: what {A} reads is the coordinator's rows it may see");
        hidden.insert(*view, all.len() - mine.len());
        if *rule == Sees::Everything {
            assert!(!mine.is_empty(), "{view}: the zone aggregates are there to compare");
        }
    }
    // The fixture holds other companies' rows in every view that filters, so each comparison
    // above could have caught a leak.
    for (view, rule) in READER_VIEWS.iter().filter(|(_, r)| *r != Sees::Everything) {
        assert!(hidden[view] > 0, "{view} ({rule:?}): the fixture has rows {A} may not see ({hidden:?})");
    }

    // The zone KPIs are the coordinator's, whole: the same rows (checked above), not empty.
    let (mine, all) = both_views(&mut db, &role, "(SELECT * FROM kpi_esrs_e5_5 WHERE company_id IS NULL)").await;
    assert!(!mine.is_empty() && mine == all, "the zone's ESRS rows are the coordinator's");
    // The exchanges: each with A at one end; there are some, and others A is not part of.
    let (mine, all) = both_views(&mut db, &role, "exchange_flows_monthly").await;
    assert!(!mine.is_empty(), "{A} receives exchanges");
    assert!(mine.iter().all(|r| r["source_company"] == A || r["destination_company"] == A), "{mine:?}");
    assert!(all.iter().any(|r| r["source_company"] != A && r["destination_company"] != A), "other exchanges exist");
    // The stranger's dead letter claims A but is nobody's: the coordinator sees it, A does not.
    let (mine, all) =
        both_views(&mut db, &role, "(SELECT * FROM rejections_hourly WHERE reason = 'unknown_gateway')").await;
    assert!(all.iter().any(|r| r["gateway_company_id"].is_null() && r["company_id"] == A), "{all:?}");
    assert!(mine.is_empty(), "{mine:?}");

    // A function of A's own, cheap enough for the planner to want it early, never sees a row
    // the filter hides (security_barrier): it would raise the first other company it met.
    db.client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
    db.client
        .batch_execute(&format!(
            "CREATE FUNCTION pg_temp.peek(company text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE COST 0.0001 AS $$
             BEGIN IF company <> '{A}' THEN RAISE EXCEPTION 'leaked a row of %', company; END IF; RETURN true; END $$"
        ))
        .await
        .expect("a reader may write a temporary function");
    for view in ["flows_daily", "recent_events", "readings_attributed", "container_fill_hourly", "live_containers"] {
        let rows = db.client.query(&format!("SELECT count(*) FROM {view} WHERE pg_temp.peek(company_id)"), &[]).await;
        let seen: i64 = rows.unwrap_or_else(|e| panic!("{view}: {e:?}"))[0].get(0);
        assert!(seen > 0, "{view}");
    }
    db.client.batch_execute("RESET ROLE").await.unwrap();
    // The same on the zone's KPIs, whose unfiltered view picks the zone rows out of rows per
    // company: the function sees the zone's figures only.
    let zone: Vec<String> = db
        .client
        .query("SELECT generated_t FROM kpi_zone_daily", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{:?}", r.get::<_, f64>(0)))
        .collect();
    db.client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
    db.client
        .batch_execute(&format!(
            "CREATE FUNCTION pg_temp.peek_zone(t float8) RETURNS boolean LANGUAGE plpgsql IMMUTABLE COST 0.0001 AS $$
             BEGIN IF NOT t = ANY ('{{{}}}'::float8[]) THEN RAISE EXCEPTION 'leaked a company figure %', t; END IF;
             RETURN true; END $$",
            zone.join(",")
        ))
        .await
        .unwrap();
    let seen: i64 = db
        .client
        .query_one("SELECT count(*) FROM kpi_zone_daily WHERE pg_temp.peek_zone(generated_t)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(seen as usize, zone.len());
    db.client.batch_execute("RESET ROLE").await.unwrap();

    // A's temporary tables come first in its search path: named like the tables the filters
    // read, they change nothing (the filters' functions bound theirs when created).
    db.client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
    db.client
        .batch_execute(&format!(
            "CREATE TEMP TABLE companies (id text); CREATE TEMP TABLE company_roles (company_id text, role_name text);
             INSERT INTO company_roles SELECT c, '{role}' FROM unnest(ARRAY['metallerie-lievin', '{A}']) c"
        ))
        .await
        .expect("a reader may create temporary tables");
    let shadowed = db.client.query_one("SELECT wf_sees_all(), wf_companies()", &[]).await.unwrap();
    assert_eq!((shadowed.get::<_, bool>(0), shadowed.get::<_, Vec<String>>(1)), (false, vec![A.to_string()]));
    let seen = texts(&db, "SELECT DISTINCT company_id FROM flows_daily").await;
    assert_eq!(seen, [A], "a temporary table does not widen the filter");
    db.client.batch_execute("DROP TABLE pg_temp.companies, pg_temp.company_roles; RESET ROLE").await.unwrap();

    // Every other relation of the schema is refused to A: the tables, and the unfiltered views.
    // The views, and the tables the policies read a row's company through (their own rows,
    // checked below with every table with row-level security).
    let readable: Vec<&str> = READER_VIEWS
        .iter()
        .map(|(v, _)| *v)
        .chain(["company_roles", "gateways", "classifications", "attributions", "weighbridges"])
        .collect();
    let relations = texts(
        &db,
        "SELECT c.relname::text FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
             AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1",
    )
    .await;
    assert!(relations.len() > 60, "{relations:?}");
    for relation in &relations {
        db.client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
        let read = db.client.query(&format!("SELECT count(*) FROM {relation}"), &[]).await;
        db.client.batch_execute("RESET ROLE").await.unwrap();
        match read {
            Ok(_) => assert!(readable.contains(&relation.as_str()), "{A} may read {relation}"),
            Err(e) => {
                assert_eq!(
                    e.code(),
                    Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE),
                    "{relation}: {e:?}"
                );
                assert!(!readable.contains(&relation.as_str()), "{relation} is a reader's: {e:?}");
            }
        }
    }
    // Of the role table, its own row.
    let (mine, _) = both_views(&mut db, &role, "company_roles").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["company_id"], A);

    // The second wall: each table with row-level security, granted to A for the test, shows A
    // the rows whose company (found here through the registry, not through the policy) is A.
    let company_of: &[(&str, &str)] = &[
        ("companies", "id"),
        ("sites", "company_id"),
        ("containers", "company_id"),
        ("gateways", "company_id"),
        ("classifications", "company_id"),
        ("accepts", "company_id"),
        ("events", "company_id"),
        ("container_live", "company_id"),
        ("container_rollup_1m", "company_id"),
        ("container_rollup_1h", "company_id"),
        ("container_rollup_1d", "company_id"),
        ("company_roles", "company_id"),
        ("weighbridges", "company_id"),
        ("reception_weighings", "(SELECT b.company_id FROM weighbridges b WHERE b.id = t.weighbridge_id)"),
        ("sensors", "(SELECT g.company_id FROM gateways g WHERE g.id = t.gateway_id)"),
        ("live_inbox", "(SELECT g.company_id FROM gateways g WHERE g.id = t.gateway_id)"),
        ("gateway_sequence", "(SELECT g.company_id FROM gateways g WHERE g.id = t.gateway_id)"),
        ("frame_gaps", "(SELECT g.company_id FROM gateways g WHERE g.id = t.gateway_id)"),
        ("rejected_messages", "(SELECT g.company_id FROM gateways g WHERE g.id = t.gateway_id)"),
        ("attributions", "(SELECT c.company_id FROM classifications c WHERE c.id = t.classification_id)"),
        ("flow_rollup_1m", "(SELECT c.company_id FROM classifications c WHERE c.id = t.classification_id)"),
        ("flow_rollup_1h", "(SELECT c.company_id FROM classifications c WHERE c.id = t.classification_id)"),
        ("flow_rollup_1d", "(SELECT c.company_id FROM classifications c WHERE c.id = t.classification_id)"),
        ("flow_rollup_local", "(SELECT c.company_id FROM classifications c WHERE c.id = t.classification_id)"),
        ("container_rollup_local_1d", "company_id"),
        (
            "readings",
            "(SELECT c.company_id FROM attributions a JOIN classifications c ON c.id = a.classification_id
              WHERE a.id = t.attribution_id)",
        ),
        (
            "weighings",
            "(SELECT c.company_id FROM attributions a JOIN classifications c ON c.id = a.classification_id
              WHERE a.id = t.attribution_id)",
        ),
    ];
    let secured = texts(
        &db,
        "SELECT relname::text FROM pg_class WHERE relnamespace = current_schema()::regnamespace
             AND relrowsecurity ORDER BY 1",
    )
    .await;
    // On TimescaleDB the compressed hypertables cannot have it (docs/security.md).
    let hypertables = ["readings", "flow_rollup_1m", "flow_rollup_1h", "flow_rollup_1d"].into_iter().chain([
        "container_rollup_1m",
        "container_rollup_1h",
        "container_rollup_1d",
    ]);
    let mut expected: Vec<String> = company_of.iter().map(|(t, _)| t.to_string()).collect();
    if target.timescale {
        let hyper: Vec<&str> = hypertables.collect();
        expected.retain(|t| !hyper.contains(&t.as_str()));
    }
    expected.sort();
    assert_eq!(secured, expected, "the tables with row-level security");
    for (table, company) in company_of.iter().filter(|(t, _)| secured.iter().any(|s| s == t)) {
        db.client.batch_execute(&format!("GRANT SELECT ON {table} TO \"{role}\"")).await.unwrap();
        let count = |sql: String| {
            let client = &db.client;
            async move { client.query_one(&sql, &[]).await.unwrap_or_else(|e| panic!("{sql}: {e:?}")).get::<_, i64>(0) }
        };
        let own = count(format!("SELECT count(*) FROM {table} t WHERE {company} = '{A}'")).await;
        let all = count(format!("SELECT count(*) FROM {table}")).await;
        db.client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
        let seen = count(format!("SELECT count(*) FROM {table}")).await;
        db.client.batch_execute(&format!("RESET ROLE; REVOKE SELECT ON {table} FROM \"{role}\"")).await.unwrap();
        assert_eq!(seen, own, "{table}: {A} sees its {own} rows of {all}");
        if ["companies", "events", "classifications", "container_live", "flow_rollup_1h"].contains(table) {
            assert!(all > own && own > 0, "{table}: the fixture has rows of A and of others ({own} of {all})");
        }
    }
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_added_by_a_sync_gets_its_role_at_once_and_keeps_its_history_once_removed() {
    let target = StorageTarget::new().await;
    let base = Zone::load(&common::zone_file()).unwrap();
    prepare(&target.settings, &base, true).await.expect("prepare");
    // A company no other test knows, so that its role is new to the server.
    let id = common::unique("newco-");
    let extra = format!(
        r#"
[[companies]]
id = "{id}"
siren = "000000000"
name = "A newcomer"

[[sites]]
id = "{id}-site"
company = "{id}"
siret = "00000000000000"
address = "Rue Nouvelle 1, 62800 Liévin"

[[containers]]
id = "{id}-bin"
company = "{id}"
site = "{id}-site"
type = "skip"
volume_m3 = 10.0
max_load_kg = 5000.0
stream = "mixed"
treatment = "D1"
destination = "isdnd-artois"

[[gateways]]
id = "{id}-gw"
company = "{id}"
site = "{id}-site"
sensors = [{{ number = 1, container = "{id}-bin" }}]
"#
    );
    let grown = example_zone_with(&extra);
    let prepared = prepare(&target.settings, &grown, false).await.expect("the sync that adds it");
    assert_eq!(prepared.registry.roles.created, 1, "{}", prepared.registry);
    let grown = grown.with_ids(prepared.ids);
    let db = target.connect().await;
    let role = role_of(&db, &id).await;
    let reader: bool = db
        .client
        .query_one("SELECT pg_has_role($1::text::name, 'wasteflow_reader', 'USAGE')", &[&role])
        .await
        .unwrap()
        .get(0);
    assert!(reader, "{role} reads through wasteflow_reader");
    // Its first weighing, and one of A's, after the sync.
    let mut writer = target.writer();
    let at = SIMULATED_START_MS;
    let batch = common::storage::batch_of(vec![
        weighing(&grown, &id, &format!("{id}-gw"), 1, 120.0, at),
        weighing(&grown, A, "gw-ba-01", 1, 900.0, at),
    ]);
    writer.write(&batch).await.expect("write");
    writer.close().await;
    let flows = |role: String| {
        let client = &db.client;
        async move {
            client.batch_execute(&format!("SET ROLE \"{role}\"")).await.unwrap();
            let rows = client.query("SELECT company_id, mass_g FROM flows_daily ORDER BY 1", &[]).await.unwrap();
            client.batch_execute("RESET ROLE").await.unwrap();
            rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1))).collect::<Vec<_>>()
        }
    };
    assert_eq!(flows(role.clone()).await, [(id.clone(), 120_000)], "the newcomer reads its own weighing at once");
    assert!(!flows(role_of(&db, A).await).await.iter().any(|(c, _)| *c == id), "A does not read the newcomer's");

    // A sync without it: the company is inactive, its role and its history stay.
    let prepared = prepare(&target.settings, &base, false).await.expect("the sync that removes it");
    assert_eq!(prepared.registry.roles.created, 0);
    let exists: bool = db
        .client
        .query_one("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", &[&role])
        .await
        .unwrap()
        .get(0);
    assert!(exists, "the role of a company that left is kept");
    assert!(
        flows("wasteflow_coordinator".into()).await.contains(&(id.clone(), 120_000)),
        "the coordinator reads the history of a company that left"
    );
    assert_eq!(
        flows(role.clone()).await,
        [(id.clone(), 120_000)],
        "and so does its role, until an operator revokes it"
    );
    db.close().await;
    drop(target);
    // The server's roles outlive the test database: this one is the test's own.
    let admin = common::pg(common::PG_ADMIN).await;
    let _ = admin.batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\"")).await;
}
