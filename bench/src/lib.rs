//! What the benchmarks share: a minimal HTTP server answering canned bodies on 127.0.0.1, the
//! response bodies, and the hand-written baseline client the generated one is measured against.
//!
//! The baseline is what a user would write without this crate: reqwest, a `BTreeMap` of
//! parameters, the vendor's sign with md5, a urlencoded form, and serde_json into the same record
//! types. It does the same work on the wire as the generated client, nothing more.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use baijiayun::{ParamValue, Params};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use md5::{Digest, Md5};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The partner id every benchmark signs with.
pub const PARTNER_ID: i64 = 10_000_001;
/// The partner key every benchmark signs with.
pub const PARTNER_KEY: &str = "bench-partner-key";
/// The room the calls ask about.
pub const ROOM: i64 = 23_111_300_000_001;

/// API 1's answer: the doc's example.
pub fn basic_info_body() -> Bytes {
    Bytes::from_static(
        br#"{"code":0,"data":{"video_id":153582,"status":100,"name":"playback","total_size":11353211,"total_transcode_size":86501231,"preface_url":"http://img.gsxservice.com/00-upload/image-test/153582_622a01e29b25022bd603023bce79679.jpg","length":620,"publish_status":1,"create_time":"2017-09-26 16:38:11"},"msg":"","ts":1511853895}"#,
    )
}

/// API 2's answer with `n` playbacks shaped like the doc's example; with `strings`, every number
/// of the records is a numeric string, as some of the vendor's examples have them.
pub fn list_body(n: usize, strings: bool) -> Bytes {
    let num = |v: i64| {
        if strings {
            format!("\"{v}\"")
        } else {
            v.to_string()
        }
    };
    let mut out = String::with_capacity(n * 520 + 64);
    let _ = write!(
        out,
        r#"{{"code":0,"data":{{"total":{},"list":["#,
        num(n as i64)
    );
    for i in 0..n as i64 {
        if i > 0 {
            out.push(',');
        }
        let room = 17_081_558_148_393 + i;
        let video = 145_058 + i;
        let _ = write!(
            out,
            r#"{{"room_id":{},"playback_id":{},"session_id":{},"video_id":{},"name":"08月15日9点-新开的房间 {i}","status":{},"create_time":"2017-08-15 11:15:10","length":{},"preface_url":"http://img.gsxservice.com/00-upload/image-test/{video}_6d18d1e53ef4e710bea2b0870dacd50.jpg","total_transcode_size":{},"play_url":"http://e10000001.at.baijiayun.com/web/playback/index?classid={room}&token=zY1XA5xo-Ve9cWOOu4-mn6FRxkC1ILXXlymXVSvtUO9DcyShDCjSog","play_times":{},"publish_status":{},"version":{}}}"#,
            num(room),
            num(1_000_000 + i),
            num(0),
            num(video),
            num(100),
            num(2393 + i),
            num(388_217_885 + i),
            num(i % 50),
            num(1),
            num(0),
        );
    }
    out.push_str(r#"]},"msg":"","ts":1503480103}"#);
    Bytes::from(out)
}

/// A page of `n` playbacks where every optional field carries no value, the way PHP backends
/// answer: alternately `""` and `null` (`all_null: false`), or `null` throughout (`all_null:
/// true`, what serde_json reads into the same structs without any tolerance).
pub fn empty_values_body(n: usize, all_null: bool) -> Bytes {
    const OPTIONAL: [&str; 14] = [
        "playback_id",
        "session_id",
        "video_id",
        "name",
        "create_time",
        "length",
        "preface_url",
        "total_transcode_size",
        "play_url",
        "play_times",
        "publish_status",
        "version",
        "version_type",
        "crop_url",
    ];
    let mut out = String::with_capacity(n * 330 + 64);
    let _ = write!(out, r#"{{"code":0,"data":{{"total":{n},"list":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            r#"{{"room_id":{},"status":100"#,
            17_081_558_148_393 + i as u64
        );
        for (j, field) in OPTIONAL.iter().enumerate() {
            let value = if all_null || (i + j) % 2 == 1 {
                "null"
            } else {
                "\"\""
            };
            let _ = write!(out, r#","{field}":{value}"#);
        }
        out.push('}');
    }
    out.push_str(r#"]},"msg":"","ts":1503480103}"#);
    Bytes::from(out)
}

/// A server on 127.0.0.1 that reads each request and answers `body`; it costs as little as a
/// server can, so the client is what gets measured. It runs until the process ends.
pub fn canned_server(body: Bytes) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::bind("127.0.0.1:0").await else {
                return;
            };
            let _ = tx.send(listener.local_addr());
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let body = body.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let body = body.clone();
                        async move {
                            let _ = req.into_body().collect().await;
                            let mut r = Response::new(Full::new(body));
                            r.headers_mut().insert(
                                hyper::header::CONTENT_TYPE,
                                hyper::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, Infallible>(r)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    match rx.recv() {
        Ok(Ok(addr)) => addr,
        _ => SocketAddr::from(([127, 0, 0, 1], 9)),
    }
}

/// The vendor's envelope, as a hand-written client would model it.
#[derive(Debug, Deserialize)]
pub struct Envelope<T> {
    /// `code`.
    pub code: i64,
    /// `msg`.
    #[serde(default)]
    pub msg: Option<String>,
    /// `data`.
    pub data: Option<T>,
}

/// A failure of the baseline client.
#[derive(Debug)]
pub enum BaselineError {
    /// reqwest failed.
    Http(reqwest::Error),
    /// serde_json failed.
    Json(serde_json::Error),
    /// The vendor refused.
    Vendor(i64),
}

/// The hand-written async baseline.
#[derive(Clone, Debug)]
pub struct Baseline {
    http: reqwest::Client,
    base: String,
}

/// The hand-written blocking baseline.
#[derive(Clone, Debug)]
pub struct BlockingBaseline {
    http: reqwest::blocking::Client,
    base: String,
}

/// `get_playback_play_record` as sent, the typical request the signing benchmarks use: six
/// parameters before the sign.
fn six() -> [(&'static str, ParamValue<'static>); 6] {
    [
        ("partner_id", ParamValue::Int(10_000_001)),
        ("room_id", ParamValue::Int(23_111_300_000_001)),
        ("start_time", ParamValue::from("2023-11-14 00:00:00")),
        ("end_time", ParamValue::from("2023-11-14 23:59:59")),
        ("page_size", ParamValue::Int(1000)),
        ("timestamp", ParamValue::Int(1_700_000_000)),
    ]
}

/// The six parameters as the client holds them.
pub fn six_params() -> Params<'static> {
    six().into_iter().collect()
}

/// The same six as a hand-written client holds them: a sorted map of strings.
pub fn six_params_map() -> BTreeMap<&'static str, String> {
    six()
        .into_iter()
        .map(|(k, v)| (k, v.to_text().into_owned()))
        .collect()
}

/// The vendor's sign, written as a user would: sorted map, `k=v&…`, `&partner_key=`, md5 hex.
pub fn baseline_sign(params: &BTreeMap<&str, String>, key: &str) -> String {
    let mut text = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    text.push_str("&partner_key=");
    text.push_str(key);
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The signed form body of `params`, with `partner_id` and `timestamp` added.
pub fn baseline_form(mut params: BTreeMap<&str, String>) -> String {
    params.insert("partner_id", PARTNER_ID.to_string());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    params.insert("timestamp", now.to_string());
    let sign = baseline_sign(&params, PARTNER_KEY);
    params.insert("sign", sign);
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter())
        .finish()
}

fn data<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BaselineError> {
    let env: Envelope<T> = serde_json::from_slice(bytes).map_err(BaselineError::Json)?;
    if env.code != 0 {
        return Err(BaselineError::Vendor(env.code));
    }
    env.data.ok_or(BaselineError::Vendor(env.code))
}

impl Baseline {
    /// A baseline client aimed at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Baseline {
            http: reqwest::Client::new(),
            base: format!("http://{addr}"),
        }
    }

    /// POSTs `params` signed to `path` and decodes `data` as `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        params: BTreeMap<&str, String>,
    ) -> Result<T, BaselineError> {
        let bytes = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(baseline_form(params))
            .send()
            .await
            .map_err(BaselineError::Http)?
            .bytes()
            .await
            .map_err(BaselineError::Http)?;
        data(&bytes)
    }
}

impl BlockingBaseline {
    /// A blocking baseline client aimed at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        BlockingBaseline {
            http: reqwest::blocking::Client::new(),
            base: format!("http://{addr}"),
        }
    }

    /// POSTs `params` signed to `path` and decodes `data` as `T`.
    pub fn call<T: DeserializeOwned>(
        &self,
        path: &str,
        params: BTreeMap<&str, String>,
    ) -> Result<T, BaselineError> {
        let bytes = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(baseline_form(params))
            .send()
            .map_err(BaselineError::Http)?
            .bytes()
            .map_err(BaselineError::Http)?;
        data(&bytes)
    }
}

/// The generated client aimed at `addr`, as measured: limiter and retries off.
pub fn client(addr: SocketAddr) -> baijiayun::ClientBuilder {
    baijiayun::Client::builder(PARTNER_ID, PARTNER_KEY)
        .base_url(format!("http://{addr}"))
        .no_rate_limit()
        .retry(baijiayun::RetryPolicy::none())
}

/// The parameters of API 1 for the baseline.
pub fn basic_info_params() -> BTreeMap<&'static str, String> {
    BTreeMap::from([("room_id", ROOM.to_string())])
}

/// The parameters of API 2 for the baseline.
pub fn list_params(page_size: i64) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("product_type", "1".to_owned()),
        ("page", "1".to_owned()),
        ("page_size", page_size.to_string()),
    ])
}

/// A strictly typed mirror of `baijiayun::types::Playback`, hand-written: what decoding costs when
/// the JSON is exactly as the table says.
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "decoded to be measured, not read")]
pub struct StrictPlayback {
    playback_id: Option<i64>,
    room_id: i64,
    session_id: Option<i64>,
    video_id: Option<i64>,
    name: Option<String>,
    status: i64,
    create_time: Option<String>,
    length: Option<i64>,
    total_transcode_size: Option<i64>,
    play_times: Option<i64>,
    play_url: Option<String>,
    preface_url: Option<String>,
    publish_status: Option<i64>,
    version: Option<i64>,
    version_type: Option<i64>,
    crop_url: Option<String>,
}

/// A strictly typed page of [`StrictPlayback`].
#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "decoded to be measured, not read")]
pub struct StrictPage {
    total: i64,
    list: Vec<StrictPlayback>,
}

/// The median of `v` (zero for none).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Times `rounds` calls of each side, alternating, after a warm-up; the medians of both.
pub fn paired(
    rounds: usize,
    mut a: impl FnMut() -> bool,
    mut b: impl FnMut() -> bool,
) -> (Duration, Duration) {
    for _ in 0..rounds / 10 + 5 {
        assert!(a() && b(), "both sides work before they are measured");
    }
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    let time = |f: &mut dyn FnMut() -> bool, into: &mut Vec<Duration>| {
        let start = Instant::now();
        let ok = f();
        into.push(start.elapsed());
        assert!(ok, "a measured call failed");
    };
    for i in 0..rounds {
        if i % 2 == 0 {
            time(&mut a, &mut ta);
            time(&mut b, &mut tb);
        } else {
            time(&mut b, &mut tb);
            time(&mut a, &mut ta);
        }
    }
    (median(ta), median(tb))
}
