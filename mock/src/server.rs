//! The fake server's HTTP side: listening, reading requests, the vendor's checks, faults, answers.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baijiayun::Upload;
use baijiayun::operations::Operation;
use baijiayun::types::ErrorCode;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::generate::Start;
use crate::limiter::Limiter;
use crate::received::{Received, Refusal};
use crate::serve::{Answer, Unanswered, serve};
use crate::service;
use crate::state::State;
use crate::{Fault, MockServer, MockServerBuilder, RecordedRequest, Rule, lock};

/// What every connection shares. No `Debug`: it holds the partner key and every request
/// (`MockServer`'s `Debug` summarises it).
pub(super) struct Shared {
    pub(super) partner_id: i64,
    pub(super) partner_key: String,
    pub(super) overrides: Vec<(Operation, String)>,
    routes: HashMap<String, Operation>,
    pub(super) state: Mutex<State>,
    /// What the state starts (and is reset) from.
    pub(super) start: Start,
    pub(super) faults: Mutex<Vec<Rule>>,
    pub(super) log: Mutex<VecDeque<RecordedRequest>>,
    pub(super) record_capacity: usize,
    /// The vendor's rate limit, counted on arrival with the client's own limiter.
    limiter: Option<Limiter>,
    timestamp_window: Option<Duration>,
    arrivals: AtomicU64,
    pub(super) style: crate::ResponseStyle,
}

/// Stops the server when dropped; holds its runtime, on the server's own thread.
#[derive(Debug)]
pub(super) struct Stop {
    signal: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub(super) runtime: tokio::runtime::Handle,
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
    let start = Start {
        rooms: b.rooms,
        seed: b.seed,
        now: b.now.map_or_else(unix_now, |t| t.to_unix()),
    };
    let mut routes: HashMap<String, Operation> = Operation::ALL
        .iter()
        .copied()
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
        state: Mutex::new(start.state(url)),
        start,
        faults: Mutex::new(Vec::new()),
        log: Mutex::new(VecDeque::with_capacity(b.record_capacity.min(1024))),
        record_capacity: b.record_capacity,
        limiter: b
            .rate_limit
            .map(|(requests, window)| Limiter::new(requests, window)),
        timestamp_window: b.timestamp_window,
        arrivals: AtomicU64::new(0),
        style: b.style,
    })
}

/// What the server's thread reports once it listens.
type Ready = std::io::Result<(SocketAddr, String, Arc<Shared>, tokio::runtime::Handle)>;

/// Starts the server's thread and runtime; it reports on the channel once listening. The
/// server never runs on the caller's runtime, so a caller blocking its own runtime (a blocking
/// client in a `#[tokio::test]`) cannot starve it.
fn spawn(b: MockServerBuilder) -> std::io::Result<(Stop, std::sync::mpsc::Receiver<Ready>)> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Ready>();
    let (signal, mut stopped) = watch::channel(false);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("baijiayun-mock")
        .build()?;
    let runtime_handle = runtime.handle().clone();
    let thread = std::thread::Builder::new()
        .name("baijiayun-mock".into())
        .spawn(move || {
            runtime.block_on(async move {
                let listening = async {
                    let listener = TcpListener::bind(b.addr).await?;
                    let addr = listener.local_addr()?;
                    Ok::<_, std::io::Error>((listener, addr))
                };
                let (listener, addr) = match listening.await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let url = format!("http://{addr}");
                let shared = shared(&b, &url);
                let runtime = tokio::runtime::Handle::current();
                let _ = ready_tx.send(Ok((addr, url, Arc::clone(&shared), runtime)));
                let stop = async move {
                    let _ = stopped.wait_for(|s| *s).await;
                };
                let handler = move |req| handle(Arc::clone(&shared), req);
                serve(listener, b.limits, handler, stop).await;
            });
            // Dropping the runtime here ends every connection still open.
        })?;
    let stop = Stop {
        signal,
        thread: Some(thread),
        runtime: runtime_handle,
    };
    Ok((stop, ready_rx))
}

fn started(stop: Stop, ready: Ready) -> std::io::Result<MockServer> {
    let (addr, url, shared, _) = ready?;
    Ok(MockServer {
        shared,
        url,
        addr,
        stop,
    })
}

pub(super) async fn start(b: MockServerBuilder) -> std::io::Result<MockServer> {
    let (stop, ready) = spawn(b)?;
    let ready = tokio::task::spawn_blocking(move || ready.recv())
        .await
        .map_err(std::io::Error::other)?
        .map_err(|_| std::io::Error::other("the fake server's thread stopped before listening"))?;
    started(stop, ready)
}

pub(super) fn start_blocking(b: MockServerBuilder) -> std::io::Result<MockServer> {
    let (stop, ready) = spawn(b)?;
    let ready = ready
        .recv()
        .map_err(|_| std::io::Error::other("the fake server's thread stopped before listening"))?;
    started(stop, ready)
}

/// A dropped connection: hyper closes it without an answer.
fn dropped() -> Unanswered {
    Unanswered("connection dropped by an injected fault".into())
}

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
        "ts": unix_now(),
    });
    answer(200, "application/json; charset=utf-8", body.to_string())
}

fn refuse(r: &Refusal) -> Answer {
    envelope(r.code, serde_json::Value::Null, &r.message)
}

/// Keeps `record`, forgetting the oldest past the capacity.
fn keep(shared: &Shared, record: RecordedRequest) {
    if shared.record_capacity == 0 {
        return;
    }
    let mut log = lock(&shared.log);
    while log.len() >= shared.record_capacity {
        log.pop_front();
    }
    log.push_back(record);
}

/// The fake's clock: unix seconds now.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

async fn handle(shared: Arc<Shared>, req: Request<Bytes>) -> Result<Answer, Unanswered> {
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
        arrived: Instant::now(),
        seq: shared.arrivals.fetch_add(1, Ordering::Relaxed),
    };
    let body = req.into_body();
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
    keep(&shared, record);
    let result = respond(&shared, &method, &path, operation, received).await;
    if let Ok((answer, code)) = &result
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
        .is_none_or(|l| l.admit(Instant::now()))
}

/// The answer, and the vendor code in it when it is an envelope.
async fn respond(
    shared: &Shared,
    method: &str,
    path: &str,
    operation: Option<Operation>,
    received: Result<Received, String>,
) -> Result<(Answer, Option<i64>), Unanswered> {
    if path == "/web/playback/index" {
        return Ok((player_page(received.ok()), None));
    }
    let (delay, fault) = take_faults(shared, operation);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Drop) => return Err(dropped()),
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
    // An unknown path is answered without using up the account's rate budget: nothing says
    // the vendor counts requests it cannot route.
    if operation.is_some() && !admit(shared) {
        return Ok(rate_limited());
    }
    let refusal = match check(shared, method, operation, received) {
        Ok((op, received)) => {
            let mut state = lock(&shared.state);
            match service::dispatch(&mut *state, op, &received, shared.style) {
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
    let timestamp: i64 = received.required("timestamp")?;
    if let Some(window) = shared.timestamp_window {
        let now = unix_now();
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        if now.abs_diff(timestamp) > window.unsigned_abs() {
            return Err(Refusal::new(
                ErrorCode::SignMismatch,
                format!(
                    "签名计算错误: timestamp {timestamp} 与服务器时间 {now} 相差超过 {window} 秒"
                ),
            ));
        }
    }
    let Some(sent) = received.params.get("sign") else {
        return Err(Refusal::new(
            ErrorCode::SignMismatch,
            "签名计算错误: 缺少sign",
        ));
    };
    let signed = received
        .params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()));
    if baijiayun::sign(signed, &shared.partner_key) != *sent {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded(seq: u64) -> RecordedRequest {
        RecordedRequest {
            operation: None,
            method: "GET".into(),
            path: format!("/{seq}"),
            content_type: None,
            params: BTreeMap::new(),
            files: Vec::new(),
            status: None,
            code: None,
            arrived: Instant::now(),
            seq,
        }
    }

    #[test]
    fn the_record_stays_flat_over_20_000_requests() {
        let shared = shared(&MockServerBuilder::default(), "http://127.0.0.1:1");
        let capacity = shared.record_capacity;
        assert_eq!(capacity, crate::DEFAULT_RECORD_CAPACITY);
        let mut allocated = Vec::new();
        for seq in 0..20_000 {
            keep(&shared, recorded(seq));
            allocated.push(lock(&shared.log).capacity());
        }
        let log = lock(&shared.log);
        assert_eq!(log.len(), capacity);
        // The oldest were forgotten, the newest kept, in order.
        assert_eq!(log.front().map(|r| r.seq), Some(20_000 - capacity as u64));
        assert_eq!(log.back().map(|r| r.seq), Some(19_999));
        // No allocation after the ring filled: memory is flat from then on.
        let at_full = allocated[capacity - 1];
        assert!(allocated[capacity..].iter().all(|c| *c == at_full));
        assert!(at_full < 2 * capacity, "{at_full}");
    }
}
