//! Verifying, reading and claiming callbacks.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::sync::Arc;

use super::*;
use crate::types::{RoomId, TranscodeStatus, VersionType, VideoId};

const KEY: &str = "key";

fn body(fields: &[(&str, &str)]) -> String {
    signed_body_from_fields(KEY, fields.iter().copied())
}

fn verifier() -> Verifier {
    Verifier::new(KEY).clock(|| 1_700_000_000)
}

#[test]
fn reads_each_kind_and_status() {
    let started = body(&[
        ("room_id", "1"),
        ("video_id", "2"),
        ("status", "20"),
        ("qid", "a"),
        ("timestamp", "1700000000"),
        ("total_size", "9"),
        ("file_md5", "ab"),
    ]);
    match verifier().verify_form(started.as_bytes()).map(|c| c.event) {
        Ok(CallbackEvent::Transcode(TranscodeEvent::Started(s))) => {
            assert_eq!(
                (s.room_id, s.video_id, s.total_size, s.session_id),
                (RoomId(1), VideoId(2), Some(9), None)
            );
        }
        other => panic!("{other:?}"),
    }
    let pure = body(&[
        ("is_from_playback", "1"),
        ("room_id", "1"),
        ("video_id", "2"),
        ("status", "1"),
        ("qid", "b"),
        ("timestamp", "1700000000"),
    ]);
    assert!(matches!(
        verifier().verify_form(pure.as_bytes()).map(|c| c.event),
        Ok(CallbackEvent::PureVideo(PureVideoEvent { .. }))
    ));
    let main = body(&[
        ("room_id", "1"),
        ("session_id", "0"),
        ("version", "2"),
        ("video_id", "3"),
        ("version_type", "0"),
        ("qid", "c"),
        ("timestamp", "1700000000"),
    ]);
    match verifier().verify_form(main.as_bytes()).map(|c| c.event) {
        Ok(CallbackEvent::MainVersion(MainVersionEvent {
            version_type,
            version,
            ..
        })) => {
            assert_eq!((version_type, version), (VersionType::Main, 2));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_statuses_and_kinds_are_kept() {
    let unknown_status = body(&[
        ("room_id", "1"),
        ("video_id", "2"),
        ("status", "40"),
        ("qid", "a"),
        ("timestamp", "1700000000"),
        ("new_field", "x"),
    ]);
    let cb = verifier()
        .verify_form(unknown_status.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cb.event,
        CallbackEvent::Transcode(TranscodeEvent::Unknown(TranscodeStatus::Unknown(40)))
    );
    assert_eq!(cb.fields.get("new_field").map(String::as_str), Some("x"));
    let odd = body(&[
        ("something", "else"),
        ("qid", "z"),
        ("timestamp", "1700000000"),
    ]);
    let cb = verifier()
        .verify_form(odd.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(cb.event, CallbackEvent::Unknown(_)));
    assert_eq!(cb.fields.len(), 3);
}

#[test]
fn each_failure_has_its_own_error() {
    let good = body(&[
        ("room_id", "1"),
        ("video_id", "2"),
        ("status", "30"),
        ("qid", "q"),
        ("timestamp", "1700000000"),
    ]);
    assert!(verifier().verify_form(good.as_bytes()).is_ok());
    let tampered = good.replace("video_id=2", "video_id=3");
    assert_eq!(
        verifier().verify_form(tampered.as_bytes()),
        Err(CallbackError::BadSign)
    );
    let unsigned = good.split("&sign=").next().unwrap_or_default().to_owned();
    assert_eq!(
        verifier().verify_form(unsigned.as_bytes()),
        Err(CallbackError::MissingSign)
    );
    assert_eq!(
        Verifier::new("other")
            .clock(|| 1_700_000_000)
            .verify_form(good.as_bytes()),
        Err(CallbackError::BadSign)
    );
    assert!(matches!(
        verifier().verify_form(b"a=%FF"),
        Err(CallbackError::Malformed(_))
    ));
    assert!(matches!(
        verifier().verify_form(b""),
        Err(CallbackError::Malformed(_))
    ));
    assert!(matches!(
        verifier().verify_form(format!("{good}&qid=again").as_bytes()),
        Err(CallbackError::Malformed(_))
    ));
    let late = Verifier::new(KEY).clock(|| 1_700_000_000 + 86_401);
    assert!(matches!(
        late.verify_form(good.as_bytes()),
        Err(CallbackError::Stale { .. })
    ));
    assert!(
        late.without_tolerance()
            .verify_form(good.as_bytes())
            .is_ok()
    );
    let no_ts = body(&[("room_id", "1"), ("qid", "q")]);
    assert_eq!(
        verifier().verify_form(no_ts.as_bytes()),
        Err(CallbackError::MissingTimestamp)
    );
    let no_qid = body(&[("room_id", "1"), ("timestamp", "1700000000")]);
    assert_eq!(
        verifier().verify_form(no_qid.as_bytes()),
        Err(CallbackError::MissingQid)
    );
    // A typed field present but not of its type is refused, not read as `Unknown`.
    let mistyped = body(&[
        ("room_id", "1x"),
        ("video_id", "2"),
        ("status", "30"),
        ("qid", "q"),
        ("timestamp", "1700000000"),
    ]);
    assert!(matches!(
        verifier().verify_form(mistyped.as_bytes()),
        Err(CallbackError::BadField { field, .. }) if field == "room_id"
    ));
}

fn succeeded_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("file_md5", "9e107d9d372bb6826bd81d3542a419d6"),
        ("length", "620"),
        ("preface_url", "http://img.example.com/1.jpg?x=1&y=2"),
        ("qid", "delivery-1"),
        ("room_id", "17081558148393"),
        ("status", "100"),
        ("timestamp", "1700000000"),
        ("video_id", "145058"),
    ]
}

/// The fields re-cut: the value of `left` absorbs `right` (`left=a&right=b` as one value).
fn recut(fields: &[(&str, &str)], left: &str, right: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let taken = out.remove(right).unwrap_or_default();
    if let Some(v) = out.get_mut(left) {
        *v = format!("{v}&{right}={taken}");
    }
    out
}

#[test]
fn bodies_re_cut_at_field_boundaries_are_refused() {
    let fields = succeeded_fields();
    let signed: BTreeMap<String, String> = form_urlencoded::parse(body(&fields).as_bytes())
        .into_owned()
        .collect();
    let good = verifier().verify_fields(signed.clone());
    assert!(good.is_ok(), "{good:?}");
    let sent = signed.get("sign").cloned().unwrap_or_default();
    for (left, right) in [
        ("qid", "room_id"),
        ("status", "timestamp"),
        ("length", "preface_url"),
        ("preface_url", "qid"),
    ] {
        let mut cut = recut(&fields, left, right);
        // The attack is real: the re-cut fields carry the very same sign.
        let params: Params<'_> = cut.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(sign(&params, KEY), sent, "{left}+{right}");
        cut.insert("sign".into(), sent.clone());
        let refused = verifier().verify_fields(cut);
        assert!(
            matches!(
                refused,
                Err(CallbackError::BadField { .. } | CallbackError::MissingQid)
            ),
            "{left}+{right}: {refused:?}"
        );
    }
}

fn store_verifier() -> Verifier {
    verifier().store(MemoryStore::new().clock(|| 1_700_000_000))
}

fn transcode_fields(qid: &str) -> [(&'static str, &str); 5] {
    [
        ("room_id", "1"),
        ("video_id", "2"),
        ("status", "30"),
        ("qid", qid),
        ("timestamp", "1700000000"),
    ]
}

fn transcode_body(qid: &str) -> String {
    body(&transcode_fields(qid))
}

/// `v.handle(form)` with a handler that must not run: the answer to a delivery refused
/// before it.
async fn handle_refused(v: &Verifier, form: &str) -> Reply {
    v.handle(None, form.as_bytes(), |cb| async move {
        panic!("handled: {cb:?}");
        #[expect(unreachable_code, reason = "the handler's type")]
        Ok::<(), &str>(())
    })
    .await
}

#[tokio::test]
async fn a_failed_handler_releases_and_the_retry_is_handled() {
    let v = store_verifier();
    let form = transcode_body("q1");
    let calls = &AtomicUsize::new(0);
    let failed = v
        .handle(None, form.as_bytes(), |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err("db down")
        })
        .await;
    assert_eq!(failed, Reply::Retry("db down".into()));
    assert_eq!(failed.body(), r#"{"code":1,"msg":"db down"}"#);
    let retried = v
        .handle(None, form.as_bytes(), |cb| async move {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(cb.qid(), "q1");
            Ok::<(), &str>(())
        })
        .await;
    assert_eq!(retried, Reply::Ack);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_completed_duplicate_is_acknowledged_and_not_handled_again() {
    let v = store_verifier();
    let form = transcode_body("q2");
    let calls = AtomicUsize::new(0);
    for _ in 0..3 {
        let reply = v
            .handle(None, form.as_bytes(), |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<(), &str>(())
            })
            .await;
        assert_eq!(reply.body(), r#"{"code":0}"#);
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(matches!(
        v.claim(None, form.as_bytes()).await,
        Err(CallbackError::AlreadyHandled { qid }) if qid == "q2"
    ));
    // Without a store, every verified delivery is handed over.
    assert!(verifier().claim(None, form.as_bytes()).await.is_ok());
}

#[tokio::test]
async fn concurrent_duplicates_are_handled_once() {
    let v = store_verifier();
    let form = transcode_body("q3");
    let calls = AtomicUsize::new(0);
    let (entered_tx, entered_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let first = v.handle(None, form.as_bytes(), |_| async {
        calls.fetch_add(1, Ordering::SeqCst);
        let _ = entered_tx.send(());
        let _ = go_rx.await;
        Ok::<(), &str>(())
    });
    let second = async {
        let _ = entered_rx.await;
        let reply = v
            .handle(None, form.as_bytes(), |_| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<(), &str>(())
            })
            .await;
        let _ = go_tx.send(());
        reply
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first, Reply::Ack);
    assert!(
        matches!(&second, Reply::Retry(m) if m.contains("being handled")),
        "{second:?}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[derive(Debug)]
struct DownStore;

impl DeliveryStore for DownStore {
    fn claim<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn complete<'a>(&'a self, _: &'a str, _: &'a str, _: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
    fn release<'a>(&'a self, _: &'a str, _: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(StoreError::new("connection refused")) })
    }
}

#[tokio::test]
async fn an_unreachable_store_gets_a_retry_and_no_handling() {
    let v = verifier().shared_store(Arc::new(DownStore));
    let reply = handle_refused(&v, &transcode_body("q4")).await;
    assert!(
        matches!(&reply, Reply::Retry(m) if m.contains("connection refused")),
        "{reply:?}"
    );
}

/// Claims `form` again once its earlier claim is released: the release runs on the runtime,
/// so give it a few turns (bounded).
async fn claim_once_released(v: &Verifier, form: &str) -> Claimed {
    let mut again = v.claim(None, form.as_bytes()).await;
    for _ in 0..100 {
        if again.is_ok() {
            break;
        }
        tokio::task::yield_now().await;
        again = v.claim(None, form.as_bytes()).await;
    }
    again.unwrap_or_else(|e| panic!("the claim was not released: {e}"))
}

#[tokio::test]
async fn a_dropped_claim_is_released() {
    let v = store_verifier();
    let form = transcode_body("q5");
    let claimed = v.claim(None, form.as_bytes()).await;
    assert!(claimed.is_ok());
    drop(claimed);
    let again = claim_once_released(&v, &form).await;
    assert_eq!(again.complete().await, Reply::Ack);
}

#[tokio::test]
async fn a_panicking_handler_panics_out_of_handle_and_its_claim_is_released() {
    let v = store_verifier();
    let form = transcode_body("q6");
    let (v2, form2) = (v.clone(), form.clone());
    let joined = tokio::spawn(async move {
        v2.handle(None, form2.as_bytes(), |_| async {
            panic!("a bug in the handler");
            #[expect(unreachable_code, reason = "the handler's type")]
            Ok::<(), &str>(())
        })
        .await
    })
    .await;
    // Not caught: `handle` answers nothing.
    assert!(joined.is_err_and(|e| e.is_panic()));
    // Released as the panic unwound: the vendor's retry is handled.
    let retried = claim_once_released(&v, &form).await;
    assert_eq!(retried.qid(), "q6");
    assert!(retried.complete().await.is_ack());
    assert!(matches!(
        v.claim(None, form.as_bytes()).await,
        Err(CallbackError::AlreadyHandled { .. })
    ));
}

#[tokio::test]
async fn an_empty_key_refuses_every_callback() {
    for key in ["", "  ", "\t\n"] {
        let empty = Verifier::new(key).clock(|| 1_700_000_000);
        // Signed with the very key the verifier holds: a forger's body.
        let forged = signed_body_from_fields(key, transcode_fields("f"));
        assert_eq!(
            empty.verify_form(forged.as_bytes()),
            Err(CallbackError::NoKey)
        );
        assert_eq!(
            empty.verify_request(None, forged.as_bytes()),
            Err(CallbackError::NoKey)
        );
        assert_eq!(empty.verify_query(&forged), Err(CallbackError::NoKey));
        let fields: BTreeMap<String, String> = form_urlencoded::parse(forged.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(empty.verify_fields(fields), Err(CallbackError::NoKey));
        // Before anything else: a malformed body says so too.
        assert_eq!(empty.verify_form(b"a=%FF"), Err(CallbackError::NoKey));
        // Answered with a retry, so the events are handled once the key is set.
        let reply = handle_refused(&empty.clone().store(MemoryStore::new()), &forged).await;
        assert!(
            matches!(&reply, Reply::Retry(m) if m.contains("no partner key")),
            "{reply:?}"
        );
        assert!(format!("{empty:?}").contains("[empty]"));
    }
    // A key of its own is not refused for holding spaces.
    let spaced = Verifier::new(" k ").clock(|| 1_700_000_000);
    let body = signed_body_from_fields(" k ", transcode_fields("f"));
    assert!(spaced.verify_form(body.as_bytes()).is_ok());
}

#[test]
fn query_and_json_bodies() {
    let form = body(&[
        ("room_id", "1"),
        ("video_id", "2"),
        ("status", "30"),
        ("qid", "q"),
        ("timestamp", "1700000000"),
    ]);
    assert!(verifier().verify_request(Some(&form), b"").is_ok());
    let fields: BTreeMap<String, String> = form_urlencoded::parse(form.as_bytes())
        .into_owned()
        .collect();
    let json = serde_json::json!({
        "room_id": 1, "video_id": 2, "status": 30, "qid": "q", "timestamp": 1_700_000_000,
        "sign": fields.get("sign"),
    });
    assert!(
        verifier()
            .verify_request(None, json.to_string().as_bytes())
            .is_ok()
    );
}

#[test]
fn written_events_read_back_the_same() {
    let mut event = TranscodeSucceeded::new(RoomId(17), VideoId(900), "qid-1");
    let stamped = event.timestamp;
    assert!((stamped - crate::call::request::unix_now()).abs() <= 5);
    event.timestamp = 1_700_000_000;
    event.length = Some(3600);
    event.now_definition = Some("low,high".into());
    let event = CallbackEvent::Transcode(TranscodeEvent::Succeeded(event));
    let form = signed_body(KEY, &event);
    assert!(form.contains("status=100"));
    let cb = verifier()
        .verify_form(form.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cb.event, event);
}

#[test]
fn replies_are_exact() {
    assert_eq!(reply_ok(), r#"{"code":0}"#);
    assert_eq!(
        reply_error("签名错误 \"x\""),
        r#"{"code":1,"msg":"签名错误 \"x\""}"#
    );
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Fields with names and values of every kind a form carries, `timestamp` included.
    fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
        // Names the spec does not type (`x_`), values without '&' and '=' (a re-cut's mark).
        prop::collection::btree_map(
            "x_[a-z_]{1,8}",
            "[ -%'-<>-~\\u{4e00}-\\u{4e20}]{0,12}",
            0..10,
        )
        .prop_map(|m| {
            let mut v: Vec<(String, String)> = m.into_iter().collect();
            v.push(("timestamp".into(), "1700000000".into()));
            v.push(("qid".into(), "q-1".into()));
            v
        })
    }

    fn encode(pairs: &[(String, String)]) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            out.append_pair(k, v);
        }
        out.finish()
    }

    proptest! {
        #[test]
        fn field_order_does_not_matter(
            shuffled in fields().prop_flat_map(|f| Just(f).prop_shuffle()),
        ) {
            let signed = signed_body_from_fields(KEY, shuffled.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let mut pairs: Vec<(String, String)> =
                form_urlencoded::parse(signed.as_bytes()).into_owned().collect();
            pairs.reverse();
            let reordered = encode(&pairs);
            let a = verifier().verify_form(signed.as_bytes());
            let b = verifier().verify_form(reordered.as_bytes());
            prop_assert!(a.is_ok(), "{a:?}");
            prop_assert_eq!(a, b);
        }

        #[test]
        fn any_single_changed_field_is_a_bad_sign(f in fields(), pick in any::<prop::sample::Index>()) {
            let signed = signed_body_from_fields(KEY, f.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let mut pairs: Vec<(String, String)> =
                form_urlencoded::parse(signed.as_bytes()).into_owned().collect();
            let candidates: Vec<usize> = (0..pairs.len()).filter(|i| pairs[*i].0 != "sign").collect();
            let i = candidates[pick.index(candidates.len())];
            pairs[i].1.push('x');
            prop_assert_eq!(verifier().verify_form(encode(&pairs).as_bytes()), Err(CallbackError::BadSign));
        }

        #[test]
        fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = verifier().verify_form(&body);
            let _ = verifier().verify_request(std::str::from_utf8(&body).ok(), &body);
        }
    }
}

#[test]
fn debug_hides_the_key() {
    assert!(!format!("{:?}", Verifier::new("secret-key")).contains("secret-key"));
}
