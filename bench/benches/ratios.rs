//! Every target of the benchmarks as a ratio, measured side by side in one run.
//!
//! Each comparison alternates its two sides call by call (A, B, B, A, ...), so that whatever the
//! machine does meanwhile (frequency changes, other processes, thread wake-ups) falls on both sides
//! alike; the medians of the two sides are compared. Run with `cargo bench --bench ratios`, or
//! `cargo bench --bench ratios -- decode` for the decoding rows alone.

use std::time::Duration;

use baijiayun::types::{BasicInfo, PlaybackPage, ProductType, RoomId};
use baijiayun::{RateLimit, playback::GetListRequest};
use baijiayun_bench::{
    Baseline, BlockingBaseline, Envelope, PARTNER_KEY, ROOM, StrictPage, baseline_sign,
    basic_info_body, basic_info_params, canned_server, client, empty_values_body, list_body,
    list_params, paired, six_params, six_params_map,
};
use std::hint::black_box;

/// One comparison: the measured side against its reference.
struct Row {
    what: &'static str,
    measured: Duration,
    reference: Duration,
    /// The ratio to stay under; `None` for a row that is reported, not held to a target.
    target: Option<f64>,
}

/// Times `rounds` repetitions of `inner` calls, so that sub-microsecond work is measurable.
fn batched(
    rounds: usize,
    inner: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Duration, Duration) {
    let per = |d: Duration| d / u32::try_from(inner).unwrap_or(1);
    let (ma, mb) = paired(
        rounds,
        || {
            (0..inner).for_each(|_| a());
            true
        },
        || {
            (0..inner).for_each(|_| b());
            true
        },
    );
    (per(ma), per(mb))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Decoding 1,000 items: the doc-shaped page, and a page where every optional field is `""` or
/// `null`, each against serde_json into the same structs (which read the JSON as the table types
/// it, with no tolerance: for the second page, with `null` for every `""`).
fn decode_rows(rows: &mut Vec<Row>) {
    let typed = list_body(1000, false);
    let (m, r) = paired(
        600,
        || baijiayun::decode::<GetListRequest>(typed.clone()).is_ok(),
        || serde_json::from_slice::<Envelope<PlaybackPage>>(&typed).is_ok(),
    );
    rows.push(Row {
        what: "decode 1,000 items: generated / serde_json same structs",
        measured: m,
        reference: r,
        target: Some(1.1),
    });
    let (empty, nulls) = (
        empty_values_body(1000, false),
        empty_values_body(1000, true),
    );
    let (m, r) = paired(
        600,
        || baijiayun::decode::<GetListRequest>(empty.clone()).is_ok(),
        || serde_json::from_slice::<Envelope<PlaybackPage>>(&nulls).is_ok(),
    );
    rows.push(Row {
        what: "decode 1,000 items, optionals \"\"/null: generated / serde_json",
        measured: m,
        reference: r,
        target: None,
    });
    let (m, r) = paired(
        600,
        || serde_json::from_slice::<Envelope<PlaybackPage>>(&typed).is_ok(),
        || serde_json::from_slice::<Envelope<StrictPage>>(&typed).is_ok(),
    );
    rows.push(Row {
        what: "decode 1,000 items: generated structs / hand-written structs",
        measured: m,
        reference: r,
        target: None,
    });
}

/// Prints the table.
#[allow(clippy::print_stdout, reason = "the report is the output")]
fn report(rows: &[Row], sign_time: Option<Duration>) {
    println!(
        "{:<58} {:>12} {:>12} {:>7} {:>7}",
        "comparison", "measured", "reference", "ratio", "target"
    );
    for row in rows {
        let ratio = row.measured.as_secs_f64() / row.reference.as_secs_f64().max(1e-12);
        println!(
            "{:<58} {:>12} {:>12} {:>7.3} {:>5} {}",
            row.what,
            format!("{:.2?}", row.measured),
            format!("{:.2?}", row.reference),
            ratio,
            row.target.map_or_else(String::new, |t| format!("≤{t}")),
            match row.target {
                Some(t) if ratio <= t => "met",
                Some(_) => "MISSED",
                None => "(reported)",
            }
        );
    }
    if let Some(sign_time) = sign_time {
        println!(
            "{:<58} {:>12} {:>12} {:>7} {:>7} {}",
            "sign 6 params, absolute",
            format!("{sign_time:.2?}"),
            "",
            "",
            "<1µs",
            if sign_time < Duration::from_micros(1) {
                "met"
            } else {
                "MISSED"
            }
        );
    }
}

fn main() {
    // `cargo bench --bench ratios -- decode`: the decoding rows alone.
    if std::env::args().skip(1).any(|a| a == "decode") {
        let mut rows = Vec::new();
        decode_rows(&mut rows);
        report(&rows, None);
        return;
    }
    let small = canned_server(basic_info_body());
    let large = canned_server(list_body(1000, false));
    let rt = runtime();
    let mut rows = Vec::new();

    // 1. Per-call latency, generated against hand-written reqwest + serde_json.
    let generated = client(small).build().expect("client");
    let baseline = Baseline::new(small);
    let (m, r) = paired(
        3000,
        || {
            rt.block_on(generated.get_basic_info(RoomId(ROOM)).send())
                .is_ok()
        },
        || {
            rt.block_on(
                baseline.call::<BasicInfo>("/openapi/playback/getBasicInfo", basic_info_params()),
            )
            .is_ok()
        },
    );
    rows.push(Row {
        what: "getBasicInfo, async: generated / baseline",
        measured: m,
        reference: r,
        target: Some(1.05),
    });

    let generated_b = client(small).build_blocking().expect("client");
    let baseline_b = BlockingBaseline::new(small);
    let (m, r) = paired(
        3000,
        || generated_b.get_basic_info(RoomId(ROOM)).send().is_ok(),
        || {
            baseline_b
                .call::<BasicInfo>("/openapi/playback/getBasicInfo", basic_info_params())
                .is_ok()
        },
    );
    rows.push(Row {
        what: "getBasicInfo, blocking: generated / baseline",
        measured: m,
        reference: r,
        target: Some(1.05),
    });

    let list_g = client(large).build().expect("client");
    let list_r = Baseline::new(large);
    let (m, r) = paired(
        400,
        || {
            rt.block_on(list_g.get_list(ProductType::LargeClass, 1, 1000).send())
                .is_ok_and(|p| p.list.len() == 1000)
        },
        || {
            rt.block_on(list_r.call::<PlaybackPage>("/openapi/playback/getList", list_params(1000)))
                .is_ok_and(|p| p.list.len() == 1000)
        },
    );
    rows.push(Row {
        what: "getList 1,000 items, async: generated / baseline",
        measured: m,
        reference: r,
        target: Some(1.05),
    });

    let list_gb = client(large).build_blocking().expect("client");
    let list_rb = BlockingBaseline::new(large);
    let (m, r) = paired(
        400,
        || {
            list_gb
                .get_list(ProductType::LargeClass, 1, 1000)
                .send()
                .is_ok_and(|p| p.list.len() == 1000)
        },
        || {
            list_rb
                .call::<PlaybackPage>("/openapi/playback/getList", list_params(1000))
                .is_ok_and(|p| p.list.len() == 1000)
        },
    );
    rows.push(Row {
        what: "getList 1,000 items, blocking: generated / baseline",
        measured: m,
        reference: r,
        target: Some(1.05),
    });

    let (m, r) = paired(
        300,
        || {
            let calls = (0..32).map(|_| generated.get_basic_info(RoomId(ROOM)).send());
            rt.block_on(futures_util::future::join_all(calls))
                .iter()
                .all(Result::is_ok)
        },
        || {
            let calls = (0..32).map(|_| {
                baseline.call::<BasicInfo>("/openapi/playback/getBasicInfo", basic_info_params())
            });
            rt.block_on(futures_util::future::join_all(calls))
                .iter()
                .all(Result::is_ok)
        },
    );
    rows.push(Row {
        what: "throughput, 32 in flight: generated / baseline",
        measured: m,
        reference: r,
        target: Some(1.05),
    });

    // 2. Signing a 6-parameter request (the target is absolute: under 1 µs).
    let six = six_params();
    let map = six_params_map();
    let (m, r) = batched(
        2000,
        100,
        || drop(black_box(black_box(&six).sign(PARTNER_KEY))),
        || drop(black_box(baseline_sign(black_box(&map), PARTNER_KEY))),
    );
    rows.push(Row {
        what: "sign 6 params: generated / hand-written",
        measured: m,
        reference: r,
        target: Some(1.0),
    });
    let sign_time = m;

    // 3. Decoding a 1,000-item page.
    decode_rows(&mut rows);

    // 4. The limiter's and tracing's overhead per call when they are on.
    let limited = client(small)
        .rate_limit(RateLimit::new(u32::MAX, Duration::from_secs(1)))
        .build()
        .expect("client");
    let (m, r) = paired(
        3000,
        || {
            rt.block_on(limited.get_basic_info(RoomId(ROOM)).send())
                .is_ok()
        },
        || {
            rt.block_on(generated.get_basic_info(RoomId(ROOM)).send())
                .is_ok()
        },
    );
    rows.push(Row {
        what: "limiter on / off, per call",
        measured: m,
        reference: r,
        target: Some(1.05),
    });
    let traced = {
        use tracing_subscriber::layer::SubscriberExt;
        struct Listening;
        impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Listening {}
        let subscriber = tracing_subscriber::registry().with(Listening);
        tracing::subscriber::with_default(subscriber, || {
            paired(
                3000,
                || {
                    rt.block_on(generated.get_basic_info(RoomId(ROOM)).send())
                        .is_ok()
                },
                || {
                    let _off = tracing::subscriber::set_default(
                        tracing::subscriber::NoSubscriber::default(),
                    );
                    rt.block_on(generated.get_basic_info(RoomId(ROOM)).send())
                        .is_ok()
                },
            )
        })
    };
    rows.push(Row {
        what: "tracing on / off, per call",
        measured: traced.0,
        reference: traced.1,
        target: Some(1.05),
    });

    report(&rows, Some(sign_time));
}
