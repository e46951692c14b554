//! Lowering of the callbacks: which callback a delivery is (`when`), its fields and its variants.

use super::{Lowerer, TEXT_FIELDS_ONLY};
use crate::diagnostics::Diagnostics;
use crate::ir::{Callback, Code, Field, VariantCase, Variants, When};
use crate::naming;
use crate::spec::{CallbackSpec, ScalarValue, Spanned, SpecFile, WhenSpec};

impl Lowerer<'_> {
    pub(super) fn callbacks(&mut self, files: &[SpecFile]) -> Vec<Callback> {
        let all: Vec<&CallbackSpec> = files.iter().flat_map(|f| &f.callbacks).collect();
        let otherwise: Vec<_> = all
            .iter()
            .filter(|c| matches!(c.when.value, WhenSpec::Otherwise))
            .collect();
        if !all.is_empty() && otherwise.len() != 1 {
            let at = all.first().map(|c| c.name.at.clone()).unwrap_or_default();
            self.diags.error(
                &at,
                format!(
                    "exactly one callback must be 'when: otherwise', found {}",
                    otherwise.len()
                ),
            );
        }
        all.into_iter().filter_map(|c| self.callback(c)).collect()
    }

    fn callback(&mut self, c: &CallbackSpec) -> Option<Callback> {
        self.check_snake(&c.name, "callback");
        let fields: Vec<Field> = c.fields.iter().filter_map(|f| self.field(f)).collect();
        for f in c.fields.iter().filter(|f| f.ty.value.trim() == "text") {
            // A callback's fields are form text read by `FromText`; none is text for people.
            self.diags.error(&f.ty.at, TEXT_FIELDS_ONLY);
        }
        if fields.iter().any(|f| f.wire == "sign") {
            self.diags.error(
                &c.name.at,
                "'sign' is implied for every callback and is not listed",
            );
        }
        let when = match &c.when.value {
            WhenSpec::Otherwise => When::Otherwise,
            WhenSpec::Equals { field, value } => {
                require_field(&fields, field, self.diags);
                When::Equals {
                    field: field.value.clone(),
                    value: value.clone(),
                }
            }
            WhenSpec::Present { field } => {
                require_field(&fields, field, self.diags);
                When::Present {
                    field: field.value.clone(),
                }
            }
        };
        let variants = c.variants.as_ref().map(|v| {
            require_field(&fields, &v.field, self.diags);
            let cases = v
                .cases
                .iter()
                .map(|case| {
                    self.check_type_name(&case.name, "variant");
                    for f in &case.fields {
                        require_field(&fields, f, self.diags);
                    }
                    VariantCase {
                        name: case.name.value.clone(),
                        code: match &case.value.value {
                            ScalarValue::Int(i) => Code::Int(*i),
                            ScalarValue::Str(s) => Code::Str(s.clone()),
                        },
                        zh: case.zh.clone(),
                        en: case.en.clone(),
                        fields: case.fields.iter().map(|f| f.value.clone()).collect(),
                    }
                })
                .collect();
            Variants {
                field: v.field.value.clone(),
                cases,
            }
        });
        Some(Callback {
            name: c.name.value.clone(),
            type_name: naming::callback_type(&c.name.value),
            variant: naming::callback_variant(&c.name.value),
            doc: c.doc.clone(),
            title_zh: c.title_zh.clone(),
            summary: c.summary.clone(),
            description_zh: c.description_zh.clone(),
            when,
            fields,
            variants,
        })
    }
}

/// `when` and `variants` name fields of the callback they belong to.
fn require_field(fields: &[Field], name: &Spanned<String>, diags: &mut Diagnostics) {
    if !fields.iter().any(|f| f.wire == name.value) {
        diags.error(
            &name.at,
            format!("no field '{}' in this callback", name.value),
        );
    }
}
