//! The cost of signing a typical 6-parameter request, and what it allocates.
//!
//! Target: under 1 µs, allocating nothing but the 32-character output string. Divan's allocation
//! profiler prints the allocations per call beside the time.

use baijiayun_bench::{PARTNER_KEY, baseline_sign, six_params, six_params_map};
use divan::{AllocProfiler, Bencher, black_box};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

#[divan::bench]
fn generated(b: Bencher<'_, '_>) {
    let params = six_params();
    b.bench_local(|| black_box(&params).sign(black_box(PARTNER_KEY)));
}

/// The same six parameters signed the way a hand-written client does (a sorted map of strings,
/// `format!` and `join`).
#[divan::bench]
fn baseline(b: Bencher<'_, '_>) {
    let params = six_params_map();
    b.bench_local(|| baseline_sign(black_box(&params), black_box(PARTNER_KEY)));
}

/// Building the parameters from a request, signing and encoding the form: all the client does
/// before the transport.
#[divan::bench]
fn generated_params_sign_and_form(b: Bencher<'_, '_>) {
    b.bench_local(|| {
        let mut p = six_params();
        let s = p.sign(PARTNER_KEY);
        p.insert("sign", s);
        black_box(p.to_form())
    });
}
