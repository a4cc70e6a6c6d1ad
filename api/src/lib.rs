//! The e-Kinerja HTTP API: actix-web handlers, authentication, the problem+json error mapping
//! and the OpenAPI document. Business rules live in `ekinerja_domain`, storage in
//! `ekinerja_persistence`.

pub mod app;
pub mod audit_verify;
pub mod auth;
pub mod call;
pub mod csv_out;
pub mod deliverer;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod integration;
pub mod jobs;
pub mod log_writer;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod progress_bar;
pub mod request_id;
pub mod routes;
pub mod security;
pub mod settings;
pub mod state;
pub mod streamed;
pub mod webhook;
mod who;

pub use app::app;
pub use settings::Settings;
pub use state::AppState;
