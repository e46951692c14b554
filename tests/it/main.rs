//! Integration tests across the workspace. One binary, one module per concern.

mod callbacks;
mod edges_client;
mod edges_fake;
mod endpoints;
mod enums;
mod error_paths;
mod fake_server;
mod fidelity;
mod properties;
mod resilience;
mod support;
