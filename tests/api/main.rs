//! Black-box tests of the HTTP API: one binary, one module per area, a fresh database per test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod agreements;
mod analysis;
mod attendance;
mod audit;
mod auth;
mod code_shape;
mod comparison;
mod contention;
mod daily_logs;
mod demo;
mod errors;
mod evaluations;
mod foreign_ids;
mod health;
mod hostile;
mod import;
mod instances;
mod integration;
mod openapi;
mod operations;
mod organisation;
mod rollout;
mod storage;
mod tasks;
