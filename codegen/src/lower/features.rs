//! The endpoint features that tie its parameters to its response: pagination and a batch's
//! confirmation (both name fields of the response record), and a time window.

use super::Lowerer;
use crate::diagnostics::Diagnostics;
use crate::ir::{Confirms, Pagination, Param, ParamTy, Scalar, Ty, Window};
use crate::naming;
use crate::spec::{ConfirmsSpec, PaginationSpec, Spanned, WindowSpec};
use crate::types::{self, TyExpr};

impl Lowerer<'_> {
    /// Checks a batch's `confirms`: a list parameter of ids (or of records with an id `key`), and a
    /// required list of the same id in the response record.
    pub(super) fn confirms(
        &mut self,
        c: &ConfirmsSpec,
        params: &[Param],
        response: &Ty,
    ) -> Option<Confirms> {
        let Some(param) = params.iter().find(|p| p.wire == c.param.value) else {
            self.diags
                .error(&c.param.at, format!("no param '{}'", c.param.value));
            return None;
        };
        let requested = match (&param.ty, &c.key) {
            (
                ParamTy::List {
                    item: Scalar::Id(id),
                    ..
                },
                None,
            ) => Some(id.clone()),
            (
                ParamTy::List {
                    item: Scalar::Record(r),
                    ..
                },
                Some(key),
            ) => {
                match self
                    .record_field(r, &key.value)
                    .map(|(t, required)| (types::parse(&t), required))
                {
                    Some((Ok(TyExpr::Name(n)), true)) if self.ids.contains_key(&n) => Some(n),
                    _ => {
                        self.diags.error(
                            &key.at,
                            format!("'{}' must be a required id field of {r}", key.value),
                        );
                        return None;
                    }
                }
            }
            _ => None,
        };
        let Some(requested) = requested else {
            self.diags.error(
                &c.param.at,
                "the param must be a list of ids, or a list of records with a 'key'",
            );
            return None;
        };
        let list = match response {
            Ty::Scalar(Scalar::Record(r)) => self.record_field(r, &c.list.value),
            _ => None,
        };
        let expected = format!("list<{requested}>");
        if list.map(|(t, required)| (t.replace(' ', ""), required))
            != Some((expected.clone(), true))
        {
            self.diags.error(
                &c.list.at,
                format!(
                    "the response record needs a required field '{}' of type \
                     {expected}",
                    c.list.value
                ),
            );
            return None;
        }
        Some(Confirms {
            param: param.ident.clone(),
            param_required: param.required,
            key: c.key.as_ref().map(|k| naming::field_ident(&k.value)),
            list: naming::field_ident(&c.list.value),
        })
    }

    pub(super) fn pagination(
        &mut self,
        p: &PaginationSpec,
        params: &[Param],
        response: &Ty,
    ) -> Option<Pagination> {
        let int_param = |name: &Spanned<String>, diags: &mut Diagnostics| {
            let found = params.iter().find(|x| x.wire == name.value);
            match found {
                Some(x) if x.ty == ParamTy::Scalar(Scalar::Int) => Some(x.clone()),
                _ => {
                    diags.error(
                        &name.at,
                        format!("pagination needs an int param '{}'", name.value),
                    );
                    None
                }
            }
        };
        let page = int_param(&p.page, self.diags);
        let page_size = int_param(&p.page_size, self.diags);
        let Ty::Scalar(Scalar::Record(page_type)) = response else {
            self.diags
                .error(&p.items.at, "pagination needs a record response");
            return None;
        };
        let fields = self
            .record_fields
            .get(page_type)
            .cloned()
            .unwrap_or_default();
        let field_ty = |name: &str| {
            fields
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, t, _)| t.clone())
        };
        let item = match field_ty(&p.items.value).map(|t| types::parse(&t)) {
            Some(Ok(TyExpr::List(item))) => match *item {
                TyExpr::Name(n) if self.records.contains_key(&n) => Some(n),
                _ => None,
            },
            _ => None,
        };
        if item.is_none() {
            self.diags.error(
                &p.items.at,
                format!(
                    "'{}' must be a list of records in {page_type}",
                    p.items.value
                ),
            );
        }
        if field_ty(&p.total.value).as_deref() != Some("int") {
            self.diags.error(
                &p.total.at,
                format!("'{}' must be an int field of {page_type}", p.total.value),
            );
        }
        let page_size = page_size?;
        let limit = page_size
            .max
            .or_else(|| page_size.default.as_deref().and_then(|d| d.parse().ok()));
        if limit.is_none() {
            self.diags.error(
                &p.page_size.at,
                "the page-size param needs a max or a default for the pager to ask for",
            );
        }
        Some(Pagination {
            page: page?.wire,
            page_size: page_size.wire,
            items: p.items.value.clone(),
            total: p.total.value.clone(),
            item: item?,
            page_type: page_type.clone(),
            page_size_limit: limit?,
        })
    }

    /// Checks a time window: both sides are required datetime parameters.
    pub(super) fn window(&mut self, w: &WindowSpec, params: &[Param]) -> Option<Window> {
        let mut ok = true;
        for side in [&w.start, &w.end] {
            let found = params.iter().find(|p| p.wire == side.value);
            if !found.is_some_and(|p| p.required && p.ty == ParamTy::Scalar(Scalar::DateTime)) {
                self.diags.error(
                    &side.at,
                    format!("'{}' must be a required datetime param", side.value),
                );
                ok = false;
            }
        }
        ok.then(|| Window {
            start: w.start.value.clone(),
            end: w.end.value.clone(),
            same_day: w.same_day,
        })
    }
}
