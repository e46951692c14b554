//! Mutation tests on the baseline.

use super::*;

#[test]
fn dump_vs_spec() {
    let root = crate::codegen::root();
    let text = fs::read_to_string(root.join(BASELINE)).expect("baseline");
    let doc = parse_doc(&text).expect("parses");
    let api = codegen::load(&crate::codegen::read_spec(&root).expect("spec")).expect("loads");
    let index = matching::SpecIndex::new(&api);
    for s in &doc.apis {
        let spec = index.apis.get(&s.number);
        let doc_params: Vec<&str> = s.params.iter().map(|r| r.name.as_str()).collect();
        let missing: Vec<&String> = spec
            .map(|sp| {
                sp.params
                    .keys()
                    .filter(|k| !doc_params.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let extra: Vec<&&str> = doc_params
            .iter()
            .filter(|n| spec.is_none_or(|sp| !sp.params.contains_key(**n)))
            .collect();
        let fields_extra: Vec<&str> = s
            .fields
            .iter()
            .map(|r| r.name.as_str())
            .filter(|n| spec.is_none_or(|sp| !sp.fields.contains_key(*n)))
            .collect();
        eprintln!(
            "API {} {} methods={:?} | spec-only params {:?} | doc-only params {:?} | doc-only fields {:?} | nf={}",
            s.number,
            s.title,
            s.methods,
            missing,
            extra,
            fields_extra,
            s.fields.len()
        );
    }
    for s in &doc.callbacks {
        let spec = index.callback(&s.title);
        let extra: Vec<&str> = s
            .fields
            .iter()
            .map(|r| r.name.as_str())
            .filter(|n| spec.is_none_or(|sp| !sp.fields.contains_key(*n)))
            .collect();
        eprintln!(
            "CB {} spec={:?} fields={:?} doc-only {:?}",
            s.title,
            spec.map(|s| &s.name),
            s.fields.iter().map(|r| &r.name).collect::<Vec<_>>(),
            extra
        );
    }
}
