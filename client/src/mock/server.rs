//! The fake server's HTTP side: listening, reading requests, the vendor's checks, faults, answers.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::received::{Received, Refusal};
use super::state::State;
use super::{Fault, MockServer, MockServerBuilder, RecordedRequest, Rule, lock};
use crate::Upload;
use crate::generated::service;
use crate::limit::{Limiter, RateLimit};
use crate::operations::Operation;
use crate::types::ErrorCode;
use crate::wire::{Params, sign};

/// The largest request body the fake reads (a cover image fits; a runaway upload does not).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// What every connection shares.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) partner_id: i64,
    pub(super) partner_key: String,
    pub(super) overrides: Vec<(Operation, String)>,
    routes: HashMap<String, Operation>,
    pub(super) state: Mutex<State>,
    pub(super) faults: Mutex<Vec<Rule>>,
    pub(super) log: Mutex<Vec<RecordedRequest>>,
    /// The vendor's rate limit, counted on arrival with the client's own limiter.
    limiter: Option<Limiter>,
    record: bool,
    arrivals: AtomicU64,
}

/// Stops the server when dropped.
#[derive(Debug)]
pub(super) struct Stop {
    signal: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.signal.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn shared(b: &MockServerBuilder, url: &str) -> Arc<Shared> {
    let mut routes: HashMap<String, Operation> = Operation::ALL
        .into_iter()
        .map(|op| (op.info().path.to_owned(), op))
        .collect();
    for (op, path) in &b.paths {
        routes.retain(|_, o| o != op);
        routes.insert(path.clone(), *op);
    }
    Arc::new(Shared {
        partner_id: b.partner_id,
        partner_key: b.partner_key.clone(),
        overrides: b.paths.clone(),
        routes,
        state: Mutex::new(State::seeded(url)),
        faults: Mutex::new(Vec::new()),
        log: Mutex::new(Vec::new()),
        limiter: b
            .rate_limit
            .map(|(requests, window)| Limiter::new(RateLimit::new(requests, window))),
        record: b.record,
        arrivals: AtomicU64::new(0),
    })
}

pub(super) async fn start_async(b: MockServerBuilder) -> std::io::Result<MockServer> {
    let listener = TcpListener::bind(b.addr).await?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let shared = shared(&b, &url);
    let (signal, stopped) = watch::channel(false);
    tokio::spawn(serve(listener, Arc::clone(&shared), stopped));
    Ok(MockServer {
        shared,
        url,
        addr,
        _stop: Stop {
            signal,
            thread: None,
        },
    })
}

pub(super) fn start_blocking(b: MockServerBuilder) -> std::io::Result<MockServer> {
    // Everything runtime-related happens on the server's own thread, so this works from any
    // thread, inside an async runtime too.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (signal, stopped) = watch::channel(false);
    let thread = std::thread::Builder::new()
        .name("baijiayun-mock".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_name("baijiayun-mock")
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                let listener = match TcpListener::bind(b.addr).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let addr = match listener.local_addr() {
                    Ok(a) => a,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let url = format!("http://{addr}");
                let shared = shared(&b, &url);
                let _ = ready_tx.send(Ok((addr, url, Arc::clone(&shared))));
                serve(listener, shared, stopped).await;
            });
        })?;
    let (addr, url, shared) = ready_rx.recv().map_err(|_| {
        std::io::Error::other("the fake server's thread stopped before listening")
    })??;
    Ok(MockServer {
        shared,
        url,
        addr,
        _stop: Stop {
            signal,
            thread: Some(thread),
        },
    })
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(Arc::clone(&shared), req));
                    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = stopped.changed() => {}
                    }
                });
            }
        }
    }
}

/// A dropped connection: hyper closes it without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

type Answer = Response<Full<Bytes>>;

fn answer(status: u16, content_type: &str, body: impl Into<Bytes>) -> Answer {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn envelope(code: i64, data: serde_json::Value, msg: &str) -> Answer {
    let body = serde_json::json!({
        "code": code,
        "data": data,
        "msg": msg,
        "ts": crate::request::unix_now(),
    });
    answer(200, "application/json; charset=utf-8", body.to_string())
}

fn refuse(r: &Refusal) -> Answer {
    envelope(r.code, serde_json::Value::Null, &r.message)
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Answer, Dropped> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let content_type = req
        .headers()
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let operation = shared.routes.get(&path).copied();
    let mut record = RecordedRequest {
        operation,
        method: method.clone(),
        path: path.clone(),
        content_type: content_type.clone(),
        params: BTreeMap::new(),
        files: Vec::new(),
        status: None,
        code: None,
        seq: shared.arrivals.fetch_add(1, Ordering::Relaxed),
    };
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let a = answer(413, "text/plain", "request body too large");
            record.status = Some(413);
            if shared.record {
                lock(&shared.log).push(record);
            }
            return Ok(a);
        }
    };
    let received = read(&query, content_type.as_deref(), body).await;
    record.params = received
        .as_ref()
        .map(|r| r.params.clone())
        .unwrap_or_default();
    record.files = received
        .as_ref()
        .map(|r| r.files.keys().cloned().collect())
        .unwrap_or_default();

    // Recorded on arrival, so that requests still being answered are counted too.
    let seq = record.seq;
    if shared.record {
        lock(&shared.log).push(record);
    }
    let result = respond(&shared, &method, &path, operation, received).await;
    if shared.record
        && let Ok((answer, code)) = &result
        && let Some(r) = lock(&shared.log).iter_mut().rev().find(|r| r.seq == seq)
    {
        r.status = Some(answer.status().as_u16());
        r.code = *code;
    }
    result.map(|(a, _)| a)
}

/// Reads every text parameter and file of a request. A malformed multipart body is reported as
/// a parameter error by the caller.
async fn read(query: &str, content_type: Option<&str>, body: Bytes) -> Result<Received, String> {
    let mut r = Received::default();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        r.params.insert(k.into_owned(), v.into_owned());
    }
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        let boundary = multer::parse_boundary(content_type.unwrap_or(""))
            .map_err(|e| format!("multipart: {e}"))?;
        let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
        let mut parts = multer::Multipart::new(stream, boundary);
        while let Some(field) = parts
            .next_field()
            .await
            .map_err(|e| format!("multipart: {e}"))?
        {
            let name = field.name().unwrap_or("").to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let mime = field.content_type().map(ToString::to_string);
            let data = field.bytes().await.map_err(|e| format!("multipart: {e}"))?;
            match file_name {
                Some(file_name) => {
                    let mut upload = Upload::new(file_name, data);
                    if let Some(m) = mime {
                        upload = upload.content_type(m);
                    }
                    r.files.insert(name, upload);
                }
                None => {
                    r.params
                        .insert(name, String::from_utf8_lossy(&data).into_owned());
                }
            }
        }
    } else if !body.is_empty() {
        // The vendor reads forms; a body without a content type is read as one too.
        for (k, v) in form_urlencoded::parse(&body) {
            r.params.insert(k.into_owned(), v.into_owned());
        }
    }
    Ok(r)
}

/// The injected faults that apply now: every latency, then the first other fault.
fn take_faults(shared: &Shared, operation: Option<Operation>) -> (Duration, Option<Fault>) {
    let mut rules = lock(&shared.faults);
    let mut delay = Duration::ZERO;
    let mut chosen = None;
    for rule in rules.iter_mut() {
        let applies = rule.operation.is_none() || rule.operation == operation;
        if !applies || rule.remaining == Some(0) {
            continue;
        }
        match &rule.fault {
            Fault::Latency(d) => delay += *d,
            other if chosen.is_none() => chosen = Some(other.clone()),
            _ => continue,
        }
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
    }
    rules.retain(|r| r.remaining != Some(0));
    (delay, chosen)
}

/// Whether one more request fits the rate limit now (and counts it if so).
fn admit(shared: &Shared) -> bool {
    shared
        .limiter
        .as_ref()
        .is_none_or(|l| l.try_acquire(Instant::now()).is_ok())
}

/// The answer, and the vendor code in it when it is an envelope.
async fn respond(
    shared: &Shared,
    method: &str,
    path: &str,
    operation: Option<Operation>,
    received: Result<Received, String>,
) -> Result<(Answer, Option<i64>), Dropped> {
    if path == "/web/playback/index" {
        return Ok((player_page(received.ok()), None));
    }
    let (delay, fault) = take_faults(shared, operation);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Drop) => return Err(Dropped),
        Some(Fault::Status(s)) => {
            return Ok((
                answer(s, "text/plain", format!("HTTP {s} (injected)")),
                None,
            ));
        }
        Some(Fault::MalformedJson) => {
            return Ok((
                answer(
                    200,
                    "application/json",
                    r#"{"code":0,"data":{"list":[{"room_id":"#,
                ),
                None,
            ));
        }
        Some(Fault::HtmlPage) => {
            let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                        <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
            return Ok((answer(200, "text/html", page), None));
        }
        Some(Fault::Refuse { code, message }) => {
            return Ok((
                envelope(code, serde_json::Value::Null, &message),
                Some(code),
            ));
        }
        Some(Fault::RateLimited) => return Ok(rate_limited()),
        Some(Fault::Latency(_)) | None => {}
    }
    if !admit(shared) {
        return Ok(rate_limited());
    }
    let refusal = match check(shared, method, operation, received) {
        Ok((op, received)) => {
            let mut state = lock(&shared.state);
            match service::dispatch(&mut *state, op, &received) {
                Ok(data) => return Ok((envelope(0, data, ""), Some(0))),
                Err(r) => r,
            }
        }
        Err(r) => r,
    };
    Ok((refuse(&refusal), Some(refusal.code)))
}

fn rate_limited() -> (Answer, Option<i64>) {
    let code = i64::from(ErrorCode::RateLimited);
    let msg = "单个账号所有 openapi 接口 10s 内的请求不可超过 200 次";
    (envelope(code, serde_json::Value::Null, msg), Some(code))
}

/// The vendor's checks before an endpoint runs: route, method, partner, timestamp, sign.
fn check(
    shared: &Shared,
    method: &str,
    operation: Option<Operation>,
    received: Result<Received, String>,
) -> Result<(Operation, Received), Refusal> {
    let Some(op) = operation else {
        return Err(Refusal::new(ErrorCode::PathNotFound, "请求路径不存在"));
    };
    let allowed = op.info().methods.iter().any(|m| m.as_str() == method)
        || (method == "POST" && op.info().upload);
    if !allowed {
        return Err(Refusal::new(
            ErrorCode::PathNotFound,
            format!("请求路径不存在: 不支持 {method}"),
        ));
    }
    let received = received
        .map_err(|e| Refusal::new(ErrorCode::InvalidParameter, format!("参数错误: {e}")))?;
    let partner: i64 = received.required("partner_id")?;
    if partner != shared.partner_id {
        return Err(Refusal::new(ErrorCode::AccountNotFound, "账号不存在"));
    }
    let _: i64 = received.required("timestamp")?;
    let Some(sent) = received.params.get("sign") else {
        return Err(Refusal::new(
            ErrorCode::SignMismatch,
            "签名计算错误: 缺少sign",
        ));
    };
    let signed: Params<'_> = received
        .params
        .iter()
        .filter(|(k, _)| k.as_str() != "sign")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if sign(&signed, &shared.partner_key) != *sent {
        return Err(Refusal::new(ErrorCode::SignMismatch, "签名计算错误"));
    }
    Ok((op, received))
}

/// A stand-in for the vendor's web player, so the URLs the fake hands out open in a browser.
fn player_page(received: Option<Received>) -> Answer {
    let params = received.map(|r| r.params).unwrap_or_default();
    let get = |k: &str| params.get(k).map_or("", String::as_str);
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>回放</title></head><body>\
         <h1>baijiayun mock player</h1><p>classid: {}</p><p>session_id: {}</p><p>token: {}</p>\
         <p>user_name: {}</p></body></html>",
        escape(get("classid")),
        escape(get("session_id")),
        escape(get("token")),
        escape(get("user_name")),
    );
    answer(200, "text/html; charset=utf-8", page)
}
