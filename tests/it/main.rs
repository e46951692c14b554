//! Integration tests across the workspace. One binary, one module per concern.

mod endpoints;
mod fidelity;
mod support;
