//! Decoding a 1,000-item page into the typed records: time, and peak memory.
//!
//! * `generated`: the client's decoding (`baijiayun::decode`: the envelope checked, data
//!   decoded tolerantly), on the page as the table types it, on the page with every number as a
//!   numeric string, and on a page where every optional field is `""` or `null`;
//! * `serde_json_same_structs`: `serde_json::from_slice` into the same record types (no
//!   tolerance), in a hand-written envelope;
//! * `serde_json_strict_structs`: into hand-written mirrors of the records.
//!
//! Target: generated ≤ 1.1 × serde_json into the same structs.
//! Divan's `max alloc` row is the peak memory of each (the input excluded).

use baijiayun::playback::GetListRequest;
use baijiayun::types::PlaybackPage;
use baijiayun_bench::{Envelope, StrictPage, empty_values_body, list_body};
use bytes::Bytes;
use divan::{AllocProfiler, Bencher, black_box};

/// Divan's profiler: `max alloc` in the output is the most bytes alive at once, the peak memory.
#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn generated(body: &Bytes) -> bool {
    baijiayun::decode::<GetListRequest>(body.clone()).is_ok_and(|p| p.list.len() == 1000)
}

fn same_structs(body: &Bytes) -> bool {
    serde_json::from_slice::<Envelope<PlaybackPage>>(body)
        .is_ok_and(|e| e.data.is_some_and(|p| p.list.len() == 1000))
}

fn strict_structs(body: &Bytes) -> bool {
    serde_json::from_slice::<Envelope<StrictPage>>(body).is_ok_and(|e| e.data.is_some())
}

fn main() {
    let (typed, strings) = (list_body(1000, false), list_body(1000, true));
    assert!(
        generated(&typed) && generated(&strings) && generated(&empty_values_body(1000, false)),
        "the generated decoder reads every form"
    );
    assert!(same_structs(&typed) && strict_structs(&typed));
    divan::main();
}

#[divan::bench]
fn generated_typed_numbers(b: Bencher<'_, '_>) {
    let body = list_body(1000, false);
    b.bench_local(|| black_box(generated(black_box(&body))));
}

#[divan::bench]
fn generated_numbers_as_strings(b: Bencher<'_, '_>) {
    let body = list_body(1000, true);
    b.bench_local(|| black_box(generated(black_box(&body))));
}

#[divan::bench]
fn generated_optionals_empty_or_null(b: Bencher<'_, '_>) {
    let body = empty_values_body(1000, false);
    b.bench_local(|| black_box(generated(black_box(&body))));
}

#[divan::bench]
fn serde_json_same_structs(b: Bencher<'_, '_>) {
    let body = list_body(1000, false);
    b.bench_local(|| black_box(same_structs(black_box(&body))));
}

#[divan::bench]
fn serde_json_strict_structs(b: Bencher<'_, '_>) {
    let body = list_body(1000, false);
    b.bench_local(|| black_box(strict_structs(black_box(&body))));
}
