//! Per-call latency and throughput of generated calls against the hand-written baseline, on
//! 127.0.0.1 against a server answering canned bodies. Limiter and retries off unless a benchmark
//! says otherwise.
//!
//! Read each group's `generated_*` median against its `baseline_*` median; BENCHMARKS.md has the
//! ratios.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use baijiayun::RateLimit;
use baijiayun::types::{BasicInfo, PlaybackPage, ProductType, RoomId};
use baijiayun_bench::{
    Baseline, BlockingBaseline, ROOM, basic_info_body, basic_info_params, canned_server, client,
    list_body, list_params,
};
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

/// The two canned servers, started once.
fn servers() -> &'static (SocketAddr, SocketAddr) {
    static SERVERS: OnceLock<(SocketAddr, SocketAddr)> = OnceLock::new();
    SERVERS.get_or_init(|| {
        (
            canned_server(basic_info_body()),
            canned_server(list_body(1000, false)),
        )
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `get_basic_info`: a small answer, so the per-call cost of the client shows.
mod get_basic_info {
    use super::*;

    #[divan::bench]
    fn generated_async(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = client(servers().0).build().expect("client");
        assert!(rt.block_on(c.get_basic_info(RoomId(ROOM)).send()).is_ok());
        b.bench_local(|| black_box(rt.block_on(c.get_basic_info(RoomId(ROOM)).send()).is_ok()));
    }

    #[divan::bench]
    fn baseline_async(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = Baseline::new(servers().0);
        let call = || c.call::<BasicInfo>("/openapi/playback/getBasicInfo", basic_info_params());
        assert!(rt.block_on(call()).is_ok());
        b.bench_local(|| black_box(rt.block_on(call()).is_ok()));
    }

    #[divan::bench]
    fn generated_blocking(b: Bencher<'_, '_>) {
        let c = client(servers().0).build_blocking().expect("client");
        assert!(c.get_basic_info(RoomId(ROOM)).send().is_ok());
        b.bench_local(|| black_box(c.get_basic_info(RoomId(ROOM)).send().is_ok()));
    }

    #[divan::bench]
    fn baseline_blocking(b: Bencher<'_, '_>) {
        let c = BlockingBaseline::new(servers().0);
        let call = || c.call::<BasicInfo>("/openapi/playback/getBasicInfo", basic_info_params());
        assert!(call().is_ok());
        b.bench_local(|| black_box(call().is_ok()));
    }
}

/// `get_list` answering 1,000 playbacks (about 520 KB): decoding dominates.
mod get_list_1000 {
    use super::*;

    #[divan::bench]
    fn generated_async(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = client(servers().1).build().expect("client");
        let call = || c.get_list(ProductType::LargeClass, 1, 1000).send();
        assert!(rt.block_on(call()).is_ok_and(|p| p.list.len() == 1000));
        b.bench_local(|| black_box(rt.block_on(call()).is_ok()));
    }

    #[divan::bench]
    fn baseline_async(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = Baseline::new(servers().1);
        let call = || c.call::<PlaybackPage>("/openapi/playback/getList", list_params(1000));
        assert!(rt.block_on(call()).is_ok_and(|p| p.list.len() == 1000));
        b.bench_local(|| black_box(rt.block_on(call()).is_ok()));
    }

    #[divan::bench]
    fn generated_blocking(b: Bencher<'_, '_>) {
        let c = client(servers().1).build_blocking().expect("client");
        let call = || c.get_list(ProductType::LargeClass, 1, 1000).send();
        assert!(call().is_ok_and(|p| p.list.len() == 1000));
        b.bench_local(|| black_box(call().is_ok()));
    }

    #[divan::bench]
    fn baseline_blocking(b: Bencher<'_, '_>) {
        let c = BlockingBaseline::new(servers().1);
        let call = || c.call::<PlaybackPage>("/openapi/playback/getList", list_params(1000));
        assert!(call().is_ok_and(|p| p.list.len() == 1000));
        b.bench_local(|| black_box(call().is_ok()));
    }
}

/// Throughput: 32 `get_basic_info` calls in flight on one async client; time per batch.
mod throughput_32_in_flight {
    use futures_util::future::join_all;

    use super::*;

    #[divan::bench]
    fn generated_async(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = client(servers().0).build().expect("client");
        b.bench_local(|| {
            let calls = (0..32).map(|_| c.get_basic_info(RoomId(ROOM)).send());
            black_box(rt.block_on(join_all(calls)).iter().all(Result::is_ok))
        });
    }

    #[divan::bench]
    fn baseline_async(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = Baseline::new(servers().0);
        b.bench_local(|| {
            let calls = (0..32).map(|_| {
                c.call::<BasicInfo>("/openapi/playback/getBasicInfo", basic_info_params())
            });
            black_box(rt.block_on(join_all(calls)).iter().all(Result::is_ok))
        });
    }
}

/// What the limiter and tracing add to a `get_basic_info` call when they are on.
mod overhead {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// A layer that takes every span and event and keeps nothing: the cost of recording, without
    /// the cost of writing logs anywhere.
    struct Listening;

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Listening {}

    #[divan::bench]
    fn limiter_on(b: Bencher<'_, '_>) {
        let rt = runtime();
        // A limit that is never reached: the cost of taking a permit, not of waiting.
        let c = client(servers().0)
            .rate_limit(RateLimit::new(u32::MAX, Duration::from_secs(1)))
            .build()
            .expect("client");
        b.bench_local(|| black_box(rt.block_on(c.get_basic_info(RoomId(ROOM)).send()).is_ok()));
    }

    #[divan::bench]
    fn tracing_on(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = client(servers().0).build().expect("client");
        let subscriber = tracing_subscriber::registry().with(Listening);
        tracing::subscriber::with_default(subscriber, || {
            b.bench_local(|| black_box(rt.block_on(c.get_basic_info(RoomId(ROOM)).send()).is_ok()));
        });
    }

    #[divan::bench]
    fn both_off(b: Bencher<'_, '_>) {
        let rt = runtime();
        let c = client(servers().0).build().expect("client");
        b.bench_local(|| black_box(rt.block_on(c.get_basic_info(RoomId(ROOM)).send()).is_ok()));
    }
}
