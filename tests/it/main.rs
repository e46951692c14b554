//! Integration tests across the workspace. One binary, one module per concern.

mod fidelity;
mod support;
