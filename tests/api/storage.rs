//! Values round-trip identically on both engines.

use ekinerja_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn instants_and_ids_round_trip_at_microsecond_precision() {
    let app = TestApp::spawn().await;
    let created = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-RT", "name": "Round Trip"})).await;
    created.assert_status(201);
    let read = app.get(&format!("/api/v1/agencies/{}", created.id()), &app.root).await;
    assert_eq!(created.body, read.body, "what was answered on create is what is read back");
    let at = read.body["created_at"].as_str().unwrap();
    assert!(at.ends_with('Z'), "{at}");
    let fraction = at.split('.').nth(1).map_or(0, |f| f.trim_end_matches('Z').len());
    assert!(fraction <= 6, "at most microseconds: {at}");
    let id = uuid::Uuid::parse_str(&created.id()).unwrap();
    assert_eq!(id.get_version_num(), 7, "ids are UUIDv7");
}

#[actix_web::test]
async fn unicode_names_are_stored_as_given() {
    let app = TestApp::spawn().await;
    let name = "Dinas Pariwisata — Kebudayaan 🇮🇩 ‘Ēkā’";
    let created = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-UNI", "name": name})).await;
    created.assert_status(201);
    let read = app.get(&format!("/api/v1/agencies/{}", created.id()), &app.root).await;
    assert_eq!(read.body["name"], name);
}

/// `db::bulk_load` (the demo loader): what it runs is stored whole; on SQLite, where it is one
/// transaction, nothing is stored when any write inside fails, even if the caller carried on
/// past the error, while on PostgreSQL each write stands on its own.
#[test]
fn a_bulk_load_stores_whole_writes() {
    use ekinerja_persistence::{account, db, timestamp, StoreError};
    let test_db = ekinerja_tests::TestDb::new();
    let sqlite = test_db.engine() == db::Engine::Sqlite;
    let pool = db::connect(&test_db.url, 2).unwrap();
    let mut conn = pool.get().unwrap();
    db::migrate(&mut conn).unwrap();
    let at = timestamp(chrono::Utc::now());
    let stored =
        |conn: &mut db::PooledConnection, username: &str| account::find_for_login(conn, username).unwrap().is_some();

    db::bulk_load(&mut conn, |conn| {
        account::bootstrap_platform_admin(conn, "first", "hash".into(), at, None)?;
        account::bootstrap_platform_admin(conn, "second", "hash".into(), at, None)
    })
    .unwrap();
    assert!(stored(&mut conn, "first") && stored(&mut conn, "second"));

    let failed = db::bulk_load(&mut conn, |conn| {
        account::bootstrap_platform_admin(conn, "third", "hash".into(), at, None)?;
        let again = account::bootstrap_platform_admin(conn, "first", "hash".into(), at, None);
        assert!(again.is_err(), "a username already taken is refused");
        Ok::<_, StoreError>(()) // carries on as if nothing had happened
    });
    assert_eq!(failed.is_err(), sqlite, "on SQLite a failed write inside fails the whole");
    assert_eq!(stored(&mut conn, "third"), !sqlite, "and nothing of it is stored");

    // Afterwards the connection is back to one transaction per write.
    account::bootstrap_platform_admin(&mut conn, "fourth", "hash".into(), at, None).unwrap();
    assert!(stored(&mut conn, "fourth"));
}

/// A word the code does not know (one a later version dropped, or written behind its back into a
/// column without a CHECK), is a load error (an internal error, logged), never read as a
/// plausible default: the evaluation cadence used to fall back to quarterly.
#[actix_web::test]
async fn an_unknown_stored_word_is_an_error_not_a_default() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let created = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-WRD", "name": "Words"})).await;
    created.assert_status(201);
    let id = created.id();
    let path = format!("/api/v1/agencies/{id}");
    assert_eq!(app.get(&path, &app.root).await.assert_status(200).body["evaluation_cadence"], "quarterly");
    {
        let mut conn = app.state.pool.get().unwrap();
        diesel::sql_query(format!("UPDATE agencies SET evaluation_cadence = 'weekly' WHERE id = '{id}'"))
            .execute(&mut *conn)
            .unwrap();
    }
    let read = app.get(&path, &app.root).await;
    read.assert_problem(500, "internal");
    assert!(!read.body.to_string().contains("weekly"), "no stored text in the answer: {}", read.body);
}

/// An id is read as the id type it is: a stored id that is not a UUID (written behind the app's
/// back) is a load error, never passed on as text.
#[actix_web::test]
async fn a_stored_id_that_is_not_an_id_is_an_error() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    let agency = app.post("/api/v1/agencies", &app.root, json!({"code": "KAB-IDS", "name": "Ids"})).await.id();
    let admin = app.agency_admin(&agency, "ids-admin").await;
    let holiday = app.post("/api/v1/holidays", &admin, json!({"date": "2026-08-17", "name": "Kemerdekaan"})).await;
    holiday.assert_status(201);
    let listed = app.get("/api/v1/holidays?year=2026", &admin).await;
    assert_eq!(listed.assert_status(200).body["items"][0]["id"], holiday.body["id"]);
    {
        let mut conn = app.state.pool.get().unwrap();
        let sql = format!("UPDATE holidays SET id = 'hari-raya' WHERE id = '{}'", holiday.id());
        assert_eq!(diesel::sql_query(sql).execute(&mut *conn).unwrap(), 1);
    }
    let read = app.get("/api/v1/holidays?year=2026", &admin).await;
    read.assert_problem(500, "internal");
    assert!(!read.body.to_string().contains("hari-raya"), "no stored text in the answer: {}", read.body);
}

/// Every pooled connection carries the session settings the server relies on: on PostgreSQL,
/// statements planned for the values they run with (a generic plan of a prepared statement read
/// a year of logs by nested loops); on SQLite, foreign keys enforced and a writer that waits for
/// the lock.
#[actix_web::test]
async fn a_pooled_connection_carries_its_session_settings() {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    use ekinerja_persistence::DbConnection;
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        plan_cache_mode: String,
    }
    #[derive(QueryableByName)]
    struct Keys {
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
    }
    #[derive(QueryableByName)]
    struct Wait {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }
    let app = TestApp::spawn().await;
    // More connections than one, so that a connection opened after the first is checked too.
    let mut held = [app.state.pool.get().unwrap(), app.state.pool.get().unwrap()];
    for conn in held.iter_mut() {
        match &mut **conn {
            DbConnection::Pg(pg) => {
                let mode: Mode = diesel::sql_query("SHOW plan_cache_mode").get_result(pg).unwrap();
                assert_eq!(mode.plan_cache_mode, "force_custom_plan");
            }
            DbConnection::Sqlite(lite) => {
                let keys: Keys = diesel::sql_query("PRAGMA foreign_keys").get_result(lite).unwrap();
                assert_eq!(keys.foreign_keys, 1);
                let wait: Wait = diesel::sql_query("PRAGMA busy_timeout").get_result(lite).unwrap();
                assert_eq!(wait.timeout, 15_000);
            }
        }
    }
}
