//! The code enums behave like values: `Display` gives the name the command-line tool takes.

use baijiayun::types::*;
use codegen::ir::Code;

use crate::support::spec;

/// `(enum name, display of every known code in spec order, display of an unknown code)`.
macro_rules! displays {
    ($($ty:ident),* $(,)?) => {
        vec![$((
            stringify!($ty),
            Box::new(|code: i64| $ty::from(code).to_string()) as Box<dyn Fn(i64) -> String>,
        )),*]
    };
}

#[test]
fn every_code_enum_displays_its_kebab_name_and_an_unknown_code_as_the_code() -> anyhow::Result<()> {
    let displays = displays!(
        ErrorCode,
        PlaybackStatus,
        PublishStatus,
        ProductType,
        VersionType,
        ClientType,
        RecordTemplate,
        ReplaceType,
        CoursewareStatus,
        SearchTimeType,
        TranscodeStatus,
    );
    let api = spec()?;
    // Every enum of the spec is listed here, so a new one cannot go untested.
    let mut listed: Vec<&str> = displays.iter().map(|(n, _)| *n).collect();
    let mut in_spec: Vec<&str> = api.enums.iter().map(|e| e.name.as_str()).collect();
    listed.sort_unstable();
    in_spec.sort_unstable();
    assert_eq!(listed, in_spec);
    for (name, display) in &displays {
        let e = api
            .enums
            .iter()
            .find(|e| e.name == *name)
            .ok_or_else(|| anyhow::anyhow!("{name} not in the spec"))?;
        for v in &e.values {
            let Code::Int(code) = v.code else {
                anyhow::bail!("{name}: only integer codes are expected");
            };
            let kebab = heck::ToKebabCase::to_kebab_case(v.name.as_str());
            assert_eq!(display(code), kebab, "{name}::{}", v.name);
        }
        assert_eq!(display(987_654), "987654", "{name}: an unknown code");
    }
    assert_eq!(ProductType::LargeClass.to_string(), "large-class");
    assert_eq!(PublishStatus::Blocked.to_string(), "blocked");
    Ok(())
}
