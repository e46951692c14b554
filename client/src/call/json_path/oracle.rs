//! Where a decoding error is located ([`super::of_error`]), held against `serde_path_to_error`
//! tracking the same decoding, on the spec's examples broken at every node.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use proptest::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::test_json::{edit, json, nodes};
use crate::call::de::{TOLERANT, Tolerant};
use crate::call::wire::Sealed;
use crate::operations::Operation;
use crate::{Error, courseware, editing, play_record, playback, pure_video, token, whitelist};

/// The doc's examples, as (operation, JSON), read from the spec by the generator.
fn examples() -> Vec<(Operation, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut sources = Vec::new();
    for path in entries.filter_map(|e| Some(e.ok()?.path())) {
        if path.extension().is_some_and(|e| e == "yaml")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            sources.push(codegen::SourceFile {
                name: format!("spec/{name}"),
                text,
            });
        }
    }
    let Ok(api) = codegen::load(&sources) else {
        return Vec::new();
    };
    api.endpoints()
        .flat_map(|e| {
            let op = Operation::from_name(&e.name);
            e.examples
                .iter()
                .filter_map(move |x| Some((op?, serde_json::from_str(&x.json).ok()?)))
        })
        .collect()
}

/// The envelope with `data` decoded as `T`, everything else skipped.
struct Data<T>(u8, PhantomData<T>);

impl<'de, T: Tolerant> DeserializeSeed<'de> for Data<T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        T::decode(d, self.0).map(drop)
    }
}

struct Envelope<T>(u8, PhantomData<T>);

impl<'de, T: Tolerant> Visitor<'de> for Envelope<T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "data" {
                map.next_value_seed(Data::<T>(self.0, PhantomData))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// serde_path_to_error's path of the first error decoding `E`'s `data` in `body`, if any.
fn tracked<E: Sealed>(body: &[u8]) -> Option<String> {
    let mut track = serde_path_to_error::Track::new();
    let mut json = serde_json::Deserializer::from_slice(body);
    let tracked = serde_path_to_error::Deserializer::new(&mut json, &mut track);
    match tracked.deserialize_map(Envelope::<E::Data>(TOLERANT, PhantomData)) {
        Ok(()) => None,
        Err(_) => Some(track.path().to_string()),
    }
}

/// The oracle for a sample of operations, chosen for the variety of their `data`.
fn oracle(op: Operation, body: &[u8]) -> Option<Option<String>> {
    Some(match op {
        Operation::GetBasicInfo => tracked::<playback::GetBasicInfoRequest>(body),
        Operation::GetList => tracked::<playback::GetListRequest>(body),
        Operation::GetSessionList => tracked::<playback::GetSessionListRequest>(body),
        Operation::GetCropList => tracked::<playback::GetCropListRequest>(body),
        Operation::GetPlaybackPlayRecord => {
            tracked::<play_record::GetPlaybackPlayRecordRequest>(body)
        }
        Operation::GetCoursewareData => tracked::<courseware::GetCoursewareDataRequest>(body),
        Operation::GetMarkList => tracked::<editing::GetMarkListRequest>(body),
        Operation::BatchCrop => tracked::<editing::BatchCropRequest>(body),
        Operation::GetPlayerTokenBatch => tracked::<token::GetPlayerTokenBatchRequest>(body),
        Operation::GetRoomWhitelist => tracked::<whitelist::GetRoomWhitelistRequest>(body),
        Operation::GetMixedPlaybackVideoInfo => {
            tracked::<pure_video::GetMixedPlaybackVideoInfoRequest>(body)
        }
        _ => return None,
    })
}

/// The client's answer and the oracle's for `body`; `None` when the operation is not sampled.
fn both(op: Operation, body: &[u8]) -> Option<(Option<String>, Option<String>)> {
    let expected = oracle(op, body)?;
    let found = match op.decode_response(body) {
        Err(Error::Decode { path, message, .. }) => {
            // The one documented difference (see `json_path`): an array rejected whole right
            // after its `[`, whose first element is an array too, is named by that element.
            match &expected {
                Some(e)
                    if message.starts_with("invalid type: sequence")
                        && path == format!("{e}[0]") =>
                {
                    Some(e.clone())
                }
                _ => Some(path),
            }
        }
        _ => None,
    };
    Some((found, expected))
}

#[test]
fn the_sample_covers_examples_and_a_known_break_is_located() {
    let sampled: Vec<_> = examples()
        .into_iter()
        .filter(|(op, _)| oracle(*op, b"{}").is_some())
        .collect();
    assert!(
        sampled.len() >= 8,
        "only {} sampled examples",
        sampled.len()
    );
    for (op, example) in &sampled {
        let body = example.to_string();
        assert_eq!(both(*op, body.as_bytes()), Some((None, None)), "{op:?}");
    }
    let (op, mut example) = sampled
        .iter()
        .find(|(op, _)| *op == Operation::GetList)
        .cloned()
        .unwrap_or((Operation::GetList, Value::Null));
    let at = ["data", "list", "0", "room_id"].map(String::from);
    edit(&mut example, &at, Some(serde_json::json!({"x": [1]})));
    let (found, expected) = both(op, example.to_string().as_bytes()).unwrap_or_default();
    assert_eq!(found.as_deref(), Some("data.list[0].room_id"));
    assert_eq!(found, expected);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn paths_match_serde_path_to_error(
        pick in any::<prop::sample::Index>(),
        node in any::<prop::sample::Index>(),
        with in prop::option::weighted(0.85, json()),
        pretty in any::<bool>(),
    ) {
        let sampled: Vec<_> = examples()
            .into_iter()
            .filter(|(op, _)| oracle(*op, b"{}").is_some())
            .collect();
        prop_assume!(!sampled.is_empty());
        let (op, mut example) = sampled[pick.index(sampled.len())].clone();
        let mut paths = Vec::new();
        if let Some(data) = example.get("data") {
            nodes(data, false, &mut vec!["data".to_owned()], &mut paths);
        }
        prop_assume!(!paths.is_empty());
        let path = paths[node.index(paths.len())].clone();
        // Without `data` at all the client says so itself; the oracle only reads `data`.
        prop_assume!(path.len() > 1 || with.is_some());
        edit(&mut example, &path, with);
        let body = if pretty {
            serde_json::to_string_pretty(&example)
        } else {
            serde_json::to_string(&example)
        };
        let body = body.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let (found, expected) = both(op, body.as_bytes())
            .ok_or_else(|| TestCaseError::fail("not sampled"))?;
        prop_assert_eq!(found, expected, "{}", body);
    }
}
