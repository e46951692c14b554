//! Lowering of an endpoint's parameters: types, limits, defaults, roles and list encodings.

use super::{Lowerer, TEXT_FIELDS_ONLY};
use crate::ir::{Encoding, Param, ParamTy, Role, Scalar};
use crate::naming;
use crate::spec::{ParamSpec, ScalarValue};
use crate::types::{self, TyExpr};

impl Lowerer<'_> {
    pub(super) fn param(&mut self, p: &ParamSpec) -> Option<Param> {
        self.check_snake(&p.name, "param");
        let ty = match self.param_ty(p) {
            Ok(t) => t,
            Err(e) => {
                self.diags.error(&p.ty.at, e);
                return None;
            }
        };
        let is_int = matches!(ty, ParamTy::Scalar(Scalar::Int));
        for limit in [&p.min, &p.max].into_iter().flatten() {
            if !is_int {
                self.diags
                    .error(&limit.at, "min and max apply to int params only");
            }
        }
        if let (Some(min), Some(max)) = (&p.min, &p.max)
            && min.value > max.value
        {
            self.diags.error(&max.at, "max is below min");
        }
        let default = p.default.as_ref().map(|d| {
            if let ScalarValue::Int(v) = d.value {
                let below = p.min.as_ref().is_some_and(|m| v < m.value);
                let above = p.max.as_ref().is_some_and(|m| v > m.value);
                if below || above {
                    self.diags.error(&d.at, "default lies outside min..max");
                }
            }
            match &d.value {
                ScalarValue::Int(i) => i.to_string(),
                ScalarValue::Str(s) => s.clone(),
            }
        });
        let role = p.role.as_ref().and_then(|r| {
            let role = match r.value.as_str() {
                "source" => Role::Source,
                "target" => Role::Target,
                other => {
                    self.diags.error(
                        &r.at,
                        format!("unknown role '{other}' (expected source or target)"),
                    );
                    return None;
                }
            };
            if !p.required {
                self.diags.error(
                    &r.at,
                    "role names a required parameter's side; an optional one is named by its setter",
                );
            }
            Some(role)
        });
        if ty == ParamTy::File && p.required {
            self.diags.error(
                &p.name.at,
                "a file param must be optional (the request is multipart only when it is set)",
            );
        }
        Some(Param {
            wire: p.name.value.clone(),
            ident: naming::field_ident(&p.name.value),
            ty,
            required: p.required,
            zh: p.zh.clone(),
            en: p.en.clone(),
            default,
            min: p.min.as_ref().map(|m| m.value),
            max: p.max.as_ref().map(|m| m.value),
            inferred: p.inferred,
            role,
        })
    }

    fn param_ty(&mut self, p: &ParamSpec) -> Result<ParamTy, String> {
        if p.ty.value.trim() == "file" {
            if let Some(enc) = &p.encoding {
                self.diags
                    .error(&enc.at, "encoding applies to list params only");
            }
            return Ok(ParamTy::File);
        }
        let expr = types::parse(&p.ty.value)?;
        match expr {
            TyExpr::Name(n) => {
                if let Some(enc) = &p.encoding {
                    self.diags
                        .error(&enc.at, "encoding applies to list params only");
                }
                match self.scalar(&n)? {
                    Scalar::Json => Err("json cannot be a param type".into()),
                    Scalar::Text => Err(TEXT_FIELDS_ONLY.into()),
                    Scalar::Record(r) => Err(format!(
                        "a record ('{r}') can only be sent as list<{r}> with encoding: json"
                    )),
                    s => Ok(ParamTy::Scalar(s)),
                }
            }
            TyExpr::List(item) => {
                let TyExpr::Name(n) = *item else {
                    return Err("a list param holds scalars or records, not lists or maps".into());
                };
                let item = self.scalar(&n)?;
                if item == Scalar::Text {
                    return Err(TEXT_FIELDS_ONLY.into());
                }
                if let Scalar::Id(id) = &item
                    && let Some(Some(none)) = self.ids.get(id)
                {
                    return Err(format!(
                        "a list of {id} cannot be sent: an item equal to its 'none' ({none}) would \
                         be dropped from the list"
                    ));
                }
                let Some(enc) = &p.encoding else {
                    return Err("a list param needs an encoding (csv or json)".into());
                };
                let encoding = match enc.value.as_str() {
                    "csv" => Encoding::Csv,
                    "json" => Encoding::Json,
                    other => {
                        return Err(format!("unknown encoding '{other}' (expected csv or json)"));
                    }
                };
                if encoding == Encoding::Csv && matches!(item, Scalar::Record(_) | Scalar::Json) {
                    return Err("records can only be sent with encoding: json".into());
                }
                Ok(ParamTy::List { item, encoding })
            }
            TyExpr::Map(..) => Err("a param cannot be a map".into()),
        }
    }
}
