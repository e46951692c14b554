//! Lowering of the spec's types: ids, enums, records and their fields, and the resolution of a
//! type expression (`list<Playback>`) to the IR's [`Ty`].

use super::{Lowerer, MAP_KEYS, TEXT_FIELDS_ONLY};
use crate::ir::{Code, Enum, EnumValue, Field, IdType, Record, Repr, Scalar, Ty};
use crate::naming;
use crate::spec::{EnumSpec, FieldSpec, IdSpec, ScalarValue, TypeSpec};
use crate::types::{self, TyExpr};

impl Lowerer<'_> {
    pub(super) fn id(&mut self, i: &IdSpec) -> IdType {
        self.check_type_name(&i.name, "id");
        if !i.name.value.ends_with("Id") {
            self.diags.error(
                &i.name.at,
                format!("id name '{}' must end in 'Id'", i.name.value),
            );
        }
        IdType {
            name: i.name.value.clone(),
            zh: i.zh.clone(),
            en: i.en.clone(),
            none: i.none.as_ref().map(|n| n.value),
        }
    }

    pub(super) fn enumeration(&mut self, e: &EnumSpec) -> Option<Enum> {
        self.check_type_name(&e.name, "enum");
        let repr = match e.repr.value.as_str() {
            "int" => Repr::Int,
            "string" => Repr::String,
            other => {
                self.diags.error(
                    &e.repr.at,
                    format!("unknown repr '{other}' (expected int or string)"),
                );
                return None;
            }
        };
        if e.values.is_empty() {
            self.diags
                .error(&e.name.at, "an enum needs at least one value");
        }
        let mut values = Vec::new();
        let mut codes: Vec<Code> = Vec::new();
        for v in &e.values {
            self.check_type_name(&v.name, "variant");
            if v.name.value == naming::UNKNOWN_VARIANT {
                self.diags.error(
                    &v.name.at,
                    "'Unknown' is reserved for the catch-all variant every enum gets",
                );
            }
            let code = match (&v.value.value, repr) {
                (ScalarValue::Int(i), Repr::Int) => Code::Int(*i),
                (ScalarValue::Str(s), Repr::String) => Code::Str(s.clone()),
                (_, Repr::Int) => {
                    self.diags
                        .error(&v.value.at, "value must be an integer (repr: int)");
                    continue;
                }
                (_, Repr::String) => {
                    self.diags
                        .error(&v.value.at, "value must be a string (repr: string)");
                    continue;
                }
            };
            if codes.contains(&code) {
                self.diags
                    .error(&v.value.at, "value is used twice in this enum");
            }
            codes.push(code.clone());
            values.push(EnumValue {
                name: v.name.value.clone(),
                code,
                zh: v.zh.clone(),
                en: v.en.clone(),
            });
        }
        Some(Enum {
            name: e.name.value.clone(),
            repr,
            zh: e.zh.clone(),
            en: e.en.clone(),
            values,
        })
    }

    pub(super) fn record(&mut self, t: &TypeSpec) -> Option<Record> {
        self.check_type_name(&t.name, "type");
        if t.fields.is_empty() {
            self.diags
                .error(&t.name.at, "a type needs at least one field");
        }
        let fields = t.fields.iter().filter_map(|f| self.field(f)).collect();
        Some(Record {
            name: t.name.value.clone(),
            zh: t.zh.clone(),
            en: t.en.clone(),
            fields,
        })
    }

    /// Resolves a scalar name (a built-in, an enum or a record).
    pub(super) fn scalar(&self, name: &str) -> Result<Scalar, String> {
        Ok(match name {
            "int" => Scalar::Int,
            "string" => Scalar::String,
            "text" => Scalar::Text,
            "bool" => Scalar::Bool,
            "date" => Scalar::Date,
            "datetime" => Scalar::DateTime,
            "playback_ref" => Scalar::PlaybackRef,
            "lifetime" => Scalar::Lifetime,
            "json" => Scalar::Json,
            _ if self.ids.contains_key(name) => Scalar::Id(name.to_owned()),
            _ if self.enums.contains_key(name) => Scalar::Enum(name.to_owned()),
            _ if self.records.contains_key(name) => Scalar::Record(name.to_owned()),
            _ if types::SPECIAL.contains(&name) => {
                return Err(format!("'{name}' cannot be used here"));
            }
            _ => return Err(format!("unknown type '{name}'")),
        })
    }

    /// Resolves a type expression of a response or field.
    pub(super) fn ty(&self, text: &str, allow_ack: bool) -> Result<Ty, String> {
        let expr = types::parse(text)?;
        if allow_ack && expr == TyExpr::Name("ack".into()) {
            return Ok(Ty::Ack);
        }
        self.ty_expr(&expr)
    }

    fn ty_expr(&self, expr: &TyExpr) -> Result<Ty, String> {
        match expr {
            TyExpr::Name(n) => match self.scalar(n)? {
                Scalar::Lifetime => Err(
                    "'lifetime' is a param type only (a token's lifetime the client sends)".into(),
                ),
                Scalar::Text => Err(TEXT_FIELDS_ONLY.into()),
                s => Ok(Ty::Scalar(s)),
            },
            TyExpr::List(item) => Ok(Ty::List(Box::new(self.ty_expr(item)?))),
            TyExpr::Map(key, value) => {
                let key = match &**key {
                    TyExpr::Name(n) => self.scalar(n)?,
                    _ => return Err(MAP_KEYS.into()),
                };
                if !matches!(
                    key,
                    Scalar::Int | Scalar::String | Scalar::PlaybackRef | Scalar::Id(_)
                ) {
                    return Err(MAP_KEYS.into());
                }
                Ok(Ty::Map(key, Box::new(self.ty_expr(value)?)))
            }
        }
    }

    pub(super) fn field(&mut self, f: &FieldSpec) -> Option<Field> {
        self.check_snake(&f.name, "field");
        let ty = if f.ty.value.trim() == "text" {
            Ok(Ty::Scalar(Scalar::Text))
        } else {
            self.ty(&f.ty.value, false)
        };
        let ty = match ty {
            Ok(ty) => ty,
            Err(e) => {
                self.diags.error(&f.ty.at, e);
                return None;
            }
        };
        Some(Field {
            wire: f.name.value.clone(),
            ident: naming::field_ident(&f.name.value),
            ty,
            required: f.required,
            zh: f.zh.clone(),
            en: f.en.clone(),
            example: f.example.clone(),
            doc_type: f.doc_type.clone(),
        })
    }
}
