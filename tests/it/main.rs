//! Integration tests across the workspace. One binary, one module per concern.

/// Callbacks end to end: the fake sends every kind to a receiver built with the axum extractor.
mod callbacks;
/// Every endpoint through both clients against the fake: typed results and requests as sent.
mod endpoints;
/// The code enums' `Display`.
mod enums;
/// The fake server's checks, codes, encodings, rate limit, faults, request record and resets.
mod fake_server;
/// The fake server's bounds: timestamp window, bounded request record, slow clients, unknown paths.
mod fake_server_limits;
/// Fidelity to the vendor doc: every example decodes and keeps its values; Chinese texts.
mod fidelity;
/// Property tests: no response makes decoding panic; every tolerated form of every field decodes.
mod properties;
/// What the client accepts from a server: no redirects, a body cap, short error texts, cut bodies.
mod response_limits;
/// Retries (counted on the server), the rate limit, pagination, tracing spans and a load run.
mod retries_and_rate_limit;
mod support;
/// JSON for the decoding tests: any value, its nodes, editing one (the client oracle's file, one copy).
#[path = "../../client/src/call/json_path/test_json.rs"]
mod test_json;
