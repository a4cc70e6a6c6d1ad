//! The test harness: the real application over a fresh database per test, and helpers per kind
//! of caller.
//!
//! The engine comes from `EKINERJA_TEST_DATABASE_URL`: unset, each test gets a new SQLite file;
//! a `postgres://` URL (the server's maintenance database), each test gets a new database on
//! that server, dropped afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

pub mod builders;
pub mod security_log;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, web};
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use ekinerja_api::{app, auth, AppState, Settings};
use ekinerja_persistence::{account, db, timestamp};
use serde_json::{json, Value};
use uuid::Uuid;

/// The password of every account the helpers create.
pub const PASSWORD: &str = "correct-horse-battery";

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(String),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Another instance's view of a database someone else cleans up.
    Shared,
}

impl TestDb {
    /// A fresh, empty database on the configured engine.
    #[allow(clippy::new_without_default)] // creating a database is not a default value
    pub fn new() -> TestDb {
        match std::env::var("EKINERJA_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty() && u != "sqlite") {
            Some(admin_url) => {
                let name = format!("ekinerja_test_{}", Uuid::now_v7().simple());
                let mut admin =
                    diesel::PgConnection::establish(&admin_url).expect("connect to the PostgreSQL test server");
                // Under a locale's collation, as production clusters commonly are, not the test
                // cluster's bytewise "C": an order that depends on the collation shows here.
                admin
                    .batch_execute(&format!(
                        "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
                    ))
                    .expect("create a test database");
                let url = match admin_url.rfind('/') {
                    Some(i) => format!("{}/{name}", &admin_url[..i]),
                    None => panic!("EKINERJA_TEST_DATABASE_URL has no database part"),
                };
                TestDb { url, cleanup: Cleanup::Postgres { admin_url, name } }
            }
            None => {
                let path = std::env::temp_dir().join(format!("ekinerja-test-{}.db", Uuid::now_v7().simple()));
                let path = path.to_string_lossy().into_owned();
                TestDb { url: format!("sqlite://{path}"), cleanup: Cleanup::File(path) }
            }
        }
    }

    /// Which engine the tests run on.
    pub fn engine(&self) -> db::Engine {
        db::Engine::of_url(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
            Cleanup::Shared => {}
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
    /// The body as sent (a downloaded file).
    pub bytes: Vec<u8>,
    /// Whether the body was sent as a stream of parts, without its length.
    pub streamed: bool,
}

impl Response {
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
    }

    /// The `id` field of the body.
    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", self.text)).to_owned()
    }

    /// Asserts a problem+json of `status` and `type` `/problems/{kind}`, with the request id.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, kind: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.header("content-type").as_deref(), Some("application/problem+json"), "body: {}", self.text);
        assert_eq!(self.body["type"], format!("/problems/{kind}"), "body: {}", self.text);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        assert_eq!(
            self.body["request_id"].as_str(),
            self.header("x-request-id").as_deref(),
            "request id in body and header"
        );
        self
    }

    /// Asserts a validation problem naming `pointer`.
    #[track_caller]
    pub fn assert_invalid(&self, pointer: &str) -> &Self {
        self.assert_problem(422, "validation");
        let errors = self.body["errors"].as_array().unwrap_or_else(|| panic!("no errors in {}", self.text));
        assert!(errors.iter().any(|e| e["pointer"] == pointer), "expected {pointer} in {}", self.text);
        self
    }

    /// Asserts a status.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        self
    }
}

/// A request under construction.
pub struct Request<'a> {
    app: &'a TestApp,
    req: test::TestRequest,
}

impl Request<'_> {
    /// Adds a bearer token.
    pub fn token(mut self, token: &str) -> Self {
        self.req = self.req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.insert_header((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds one more line of a header (a header sent several times).
    pub fn append_header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.append_header((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.req = self.req.insert_header((header::CONTENT_TYPE, "application/json")).set_payload(body.to_string());
        self
    }

    /// Sets a raw body with a content type.
    pub fn raw(mut self, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> Self {
        self.req = self.req.insert_header((header::CONTENT_TYPE, content_type.to_owned())).set_payload(body.into());
        self
    }

    /// Sets the client address.
    pub fn peer(mut self, addr: &str) -> Self {
        self.req = self.req.peer_addr(addr.parse().expect("socket address"));
        self
    }

    /// Sends it through the real application.
    pub async fn send(self) -> Response {
        let service = test::init_service(app(self.app.state.clone())).await;
        read(test::call_service(&service, self.req.to_request()).await).await
    }
}

async fn read(res: actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>) -> Response {
    let status = res.status();
    let headers = res.headers().clone();
    let streamed = matches!(res.response().body().size(), actix_web::body::BodySize::Stream);
    let bytes = test::read_body(res).await;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Response { status, headers, body, text, bytes: bytes.to_vec(), streamed }
}

impl TestApp {
    /// Sends requests all at once through one application instance, so that their database
    /// transactions really overlap; answers in the same order.
    pub async fn concurrently(&self, requests: Vec<Request<'_>>) -> Vec<Response> {
        let service = test::init_service(app(self.state.clone())).await;
        let calls = requests.into_iter().map(|r| {
            let req = r.req.to_request();
            let service = &service;
            async move { read(test::call_service(service, req).await).await }
        });
        futures_util::future::join_all(calls).await
    }
}

/// The application over a fresh database, with a platform admin.
pub struct TestApp {
    pub state: web::Data<AppState>,
    pub db: TestDb,
    /// Access token of the platform admin `root`.
    pub root: String,
}

/// The URL of the database at `primary_url` on the streaming replica that
/// `EKINERJA_PG_REPLICA=1 scripts/with-postgres.sh` starts (`EKINERJA_TEST_READ_DATABASE_URL`),
/// or `None` when no replica runs.
pub fn replica_of(primary_url: &str) -> Option<String> {
    let replica = std::env::var("EKINERJA_TEST_READ_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
    let server = &replica[..replica.rfind('/').expect("EKINERJA_TEST_READ_DATABASE_URL has no database part")];
    let name = &primary_url[primary_url.rfind('/').expect("a database URL has a database part") + 1..];
    Some(format!("{server}/{name}"))
}

/// Settings for tests: a fixed secret, small pool.
pub fn test_settings(url: &str) -> Settings {
    let mut s = Settings::from_lookup(|_| None).expect("default settings");
    s.database_url = url.to_owned();
    s.pool_size = 4;
    s.jwt_secret = "test-secret-test-secret-test-secret!".to_owned();
    s.files_dir = std::env::temp_dir().join(format!("ekinerja-test-files-{}", uuid::Uuid::now_v7()));
    s
}

impl TestApp {
    /// A new application on a new, migrated database, with platform admin `root`.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`TestApp::spawn`], adjusting the settings first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        security_log::capture();
        let db = TestDb::new();
        let mut settings = test_settings(&db.url);
        adjust(&mut settings);
        let pool = db::connect(&db.url, settings.pool_size).expect("pool");
        {
            let mut conn = pool.get().expect("connection");
            db::migrate(&mut conn).expect("migrations");
            let hash = auth::hash_password(PASSWORD).expect("hash");
            account::bootstrap_platform_admin(&mut conn, "root", hash, timestamp(Utc::now()), None).expect("root");
        }
        let state = web::Data::new(AppState::new(pool, settings).expect("state"));
        let mut app = TestApp { state, db, root: String::new() };
        app.root = app.login("root", PASSWORD).await;
        app
    }

    /// The application over a new database holding the demo regency; `root` is the demo
    /// platform admin.
    pub async fn spawn_demo() -> TestApp {
        let db = TestDb::new();
        let settings = test_settings(&db.url);
        let pool = db::connect(&db.url, settings.pool_size).expect("pool");
        {
            let mut conn = pool.get().expect("connection");
            db::migrate(&mut conn).expect("migrations");
            let hash = auth::hash_password(ekinerja_demo::DEMO_PASSWORD).expect("hash");
            let mut steps: Vec<ekinerja_demo::Step> = Vec::new();
            ekinerja_demo::seed_demo(&mut conn, hash, Utc::now(), &mut |s| steps.push(s)).expect("demo data");
            // The build reports each stage as it goes, never past its total nor backwards.
            for stage in ["organisation", "agreements", "daily logs", "attendance"] {
                let of: Vec<_> = steps.iter().filter(|s| s.stage == stage).collect();
                assert!(of.len() > 1, "the demo build reported no progress of {stage}");
                assert!(of.iter().all(|s| s.done < s.total), "{stage}: {of:?}");
                assert!(of.windows(2).all(|w| w[0].done <= w[1].done), "{stage} went backwards");
            }
        }
        let state = web::Data::new(AppState::new(pool, settings).expect("state"));
        let mut app = TestApp { state, db, root: String::new() };
        app.root = app.login("admin", ekinerja_demo::DEMO_PASSWORD).await;
        app
    }

    /// A second instance of the application on the same database, as a second server process
    /// behind the same load balancer would be: its own pool, daily-log writers, login throttle
    /// and token keys (from the same secret). Drop it before the first.
    pub fn twin(&self) -> TestApp {
        let settings = self.state.settings.clone();
        let pool = db::connect(&self.db.url, settings.pool_size).expect("pool");
        let mut state = AppState::new(pool, settings).expect("state");
        // The same clock, so that this one's tokens hold there.
        state.clock = self.state.clock.clone();
        let state = web::Data::new(state);
        TestApp { state, db: TestDb { url: self.db.url.clone(), cleanup: Cleanup::Shared }, root: self.root.clone() }
    }

    /// A second server with this one's settings over the SQLite database file at `path` (a
    /// restored backup, say), which it removes when dropped.
    pub fn over_file(&self, path: &std::path::Path) -> TestApp {
        let path = path.to_string_lossy().into_owned();
        let url = format!("sqlite://{path}");
        let settings = self.state.settings.clone();
        let pool = db::connect(&url, settings.pool_size).expect("pool");
        let state = web::Data::new(AppState::new(pool, settings).expect("state"));
        TestApp { state, db: TestDb { url, cleanup: Cleanup::File(path) }, root: self.root.clone() }
    }

    /// Sets the application clock.
    pub fn set_clock(&mut self, at: DateTime<Utc>) {
        // Tokens expire by the application's clock: re-issue root's for the new time.
        let (root, generation) = self.state.tokens.verify_session(&self.root, self.state.now()).expect("root's token");
        let new = AppState {
            pool: self.state.pool.clone(),
            settings: self.state.settings.clone(),
            tokens: auth::Tokens::new(&self.state.settings),
            throttle: auth::LoginThrottle::default(),
            clock: Arc::new(move || at),
            logs: self.state.logs.clone(),
            machines: self.state.machines.clone(),
            sessions: self.state.sessions.clone(),
            hashing: self.state.hashing.clone(),
            analysis: self.state.analysis.clone(),
            metrics: self.state.metrics.clone(),
            deliverer: self.state.deliverer.clone(),
            files: self.state.files.clone(),
            jobs: self.state.jobs.clone(),
            replica: self.state.replica.clone(),
        };
        self.root = new.tokens.access_token(&root, generation, at).expect("a token");
        self.state = web::Data::new(new);
    }

    /// Starts a request.
    pub fn req(&self, method: Method, path: &str) -> Request<'_> {
        Request { app: self, req: test::TestRequest::default().method(method).uri(path) }
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.req(Method::GET, path).token(token).send().await
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.req(Method::POST, path).token(token).json(body).send().await
    }

    /// PATCH JSON with a token.
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.req(Method::PATCH, path).token(token).json(body).send().await
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let res = self
            .req(Method::POST, "/api/v1/auth/login")
            .json(json!({"login": login, "password": password}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "login {login}: {}", res.text);
        res.body["access_token"].as_str().expect("access token").to_owned()
    }

    /// Signs in and returns the whole token pair.
    pub async fn login_pair(&self, login: &str, password: &str) -> Value {
        let res = self
            .req(Method::POST, "/api/v1/auth/login")
            .json(json!({"login": login, "password": password}))
            .send()
            .await;
        assert_eq!(res.status, StatusCode::OK, "login {login}: {}", res.text);
        res.body
    }

    /// Creates an agency as root; returns its id.
    pub async fn agency(&self, code: &str) -> String {
        self.post("/api/v1/agencies", &self.root, json!({"code": code, "name": format!("Pemerintah {code}")}))
            .await
            .assert_status(201)
            .body["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Creates an agency admin account for `agency` as root and signs in.
    pub async fn agency_admin(&self, agency: &str, username: &str) -> String {
        self.post(
            "/api/v1/accounts",
            &self.root,
            json!({"role": "agency_admin", "agency_id": agency, "username": username, "password": PASSWORD}),
        )
        .await
        .assert_status(201);
        self.login(username, PASSWORD).await
    }
}

impl TestApp {
    /// Creates a `member` account (no employee record) in the agency of `admin` and grants it
    /// `role` (`leader` or `finance`); returns the account id and its token.
    pub async fn granted_member(&self, admin: &str, username: &str, role: &str) -> (String, String) {
        let account = self
            .post("/api/v1/accounts", admin, json!({"role": "member", "username": username, "password": PASSWORD}))
            .await;
        account.assert_status(201);
        let id = account.id();
        self.grant(admin, &id, role).await;
        (id, self.login(username, PASSWORD).await)
    }

    /// Accepts or rejects (`verb`) a daily log as `token`, bound to the version it has now (as a
    /// reviewer who has just read it would send).
    pub async fn review_log(&self, token: &str, log_id: &str, verb: &str, body: Value) -> Response {
        let seen = self.get(&format!("/api/v1/daily-logs/{log_id}"), &self.root).await;
        let version = seen.body["version"].as_i64().unwrap_or(0);
        self.req(Method::POST, &format!("/api/v1/daily-logs/{log_id}/{verb}"))
            .token(token)
            .header("if-match", &format!("\"v{version}\""))
            .json(body)
            .send()
            .await
    }

    /// Grants `role` to an account as `admin`; returns the grant's id.
    pub async fn grant(&self, admin: &str, account_id: &str, role: &str) -> String {
        let res = self.post("/api/v1/role-grants", admin, json!({"account_id": account_id, "role": role})).await;
        res.assert_status(201);
        res.id()
    }

    /// A finance account (the payroll office) of the agency of `admin`: its token.
    pub async fn finance(&self, admin: &str, username: &str) -> String {
        self.granted_member(admin, username, "finance").await.1
    }
}

/// A small organisation built through the API: one OPD with a head, a division head, a section
/// head and two staff, each with an account.
pub struct Org {
    pub agency: String,
    pub admin: String,
    pub unit: String,
    pub head_post: String,
    pub division_post: String,
    pub section_post: String,
    pub staff_post: String,
    pub head: Person,
    pub division: Person,
    pub section: Person,
    pub staff1: Person,
    pub staff2: Person,
}

/// An employee with an account.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub nip: String,
    pub token: String,
}

/// Valid NIPs for tests: distinct birth dates, appointed 2010, alternating gender.
pub fn nip(n: u32) -> String {
    let month = 1 + (n % 12);
    let day = 1 + (n % 28);
    let gender = 1 + (n % 2);
    format!("1980{month:02}{day:02}201001{gender}{:03}", n % 999 + 1)
}

impl TestApp {
    /// Creates a position as `admin`.
    pub async fn position(
        &self,
        admin: &str,
        unit: &str,
        name: &str,
        kind: &str,
        class: i64,
        supervisor: Option<&str>,
    ) -> String {
        self.post(
            "/api/v1/positions",
            admin,
            json!({"org_unit_id": unit, "name": name, "position_type": kind, "class": class, "supervisor_position_id": supervisor}),
        )
        .await
        .assert_status(201)
        .body["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }

    /// Registers an employee in a position with an account, and signs them in.
    pub async fn person(&self, admin: &str, n: u32, name: &str, position: &str) -> Person {
        let nip = nip(n);
        let res = self
            .post(
                "/api/v1/employees",
                admin,
                json!({"nip": nip, "name": name, "employment_type": "pns", "position_id": position}),
            )
            .await;
        res.assert_status(201);
        let id = res.id();
        self.post("/api/v1/accounts", admin, json!({"role": "employee", "employee_id": id, "password": PASSWORD}))
            .await
            .assert_status(201);
        let token = self.login(&nip, PASSWORD).await;
        Person { id, nip, token }
    }

    /// Builds an [`Org`] in a new agency `code`; `seed` keeps NIPs distinct across agencies.
    pub async fn org(&self, code: &str, seed: u32) -> Org {
        let agency = self.agency(code).await;
        let admin = self.agency_admin(&agency, &format!("admin.{}", code.to_lowercase())).await;
        let unit = self
            .post(
                "/api/v1/org-units",
                &admin,
                json!({"code": "DINKES", "name": "Dinas Kesehatan", "rollout_from": "2020-01"}),
            )
            .await
            .assert_status(201)
            .body["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let head_post = self.position(&admin, &unit, "Kepala Dinas Kesehatan", "jpt", 14, None).await;
        let division_post =
            self.position(&admin, &unit, "Kepala Bidang Pelayanan", "administrator", 11, Some(&head_post)).await;
        let section_post =
            self.position(&admin, &unit, "Kepala Seksi Pelayanan", "pengawas", 9, Some(&division_post)).await;
        let staff_post =
            self.position(&admin, &unit, "Pengadministrasi Umum", "pelaksana", 5, Some(&section_post)).await;
        let head = self.person(&admin, seed + 1, "Sari Wijaya", &head_post).await;
        let division = self.person(&admin, seed + 2, "Budi Santoso", &division_post).await;
        let section = self.person(&admin, seed + 3, "Dewi Lestari", &section_post).await;
        let staff1 = self.person(&admin, seed + 4, "Agus Salim", &staff_post).await;
        let staff2 = self.person(&admin, seed + 5, "Rina Utami", &staff_post).await;
        Org {
            agency,
            admin,
            unit,
            head_post,
            division_post,
            section_post,
            staff_post,
            head,
            division,
            section,
            staff1,
            staff2,
        }
    }
}
