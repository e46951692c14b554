//! The parse model: the spec files as written, read strictly, nothing resolved.
//!
//! Every key of the format (`spec/README.md`) is read here and nowhere else; unknown keys, missing
//! keys and values of the wrong kind are reported with their location. Meaning (types, names,
//! references) is checked later, in [`crate::lower`].

use crate::diagnostics::{Diagnostics, Location};
use crate::yaml::{Document, Map, Node};

pub(crate) use crate::yaml::ScalarValue;

/// A value and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Spanned<T> {
    pub(crate) value: T,
    pub(crate) at: Location,
}

/// One spec file as written.
#[derive(Debug, Default)]
pub(crate) struct SpecFile {
    /// The file's name as given (e.g. `spec/playback.yaml`).
    pub(crate) file: String,
    pub(crate) api: Option<ApiSpec>,
    pub(crate) groups: Option<Vec<Spanned<String>>>,
    pub(crate) group: Option<GroupSpec>,
    pub(crate) ids: Vec<IdSpec>,
    pub(crate) enums: Vec<EnumSpec>,
    pub(crate) types: Vec<TypeSpec>,
    pub(crate) endpoints: Vec<EndpointSpec>,
    pub(crate) callbacks: Vec<CallbackSpec>,
    /// Where the file's root is, for problems about the file as a whole.
    pub(crate) at: Location,
}

#[derive(Debug)]
pub(crate) struct ApiSpec {
    pub(crate) title_zh: String,
    pub(crate) summary: String,
    pub(crate) doc_url: String,
    pub(crate) base_url: Spanned<String>,
    pub(crate) rate_limit_requests: Spanned<i64>,
    pub(crate) rate_limit_per_seconds: Spanned<i64>,
}

#[derive(Debug)]
pub(crate) struct GroupSpec {
    pub(crate) title_zh: String,
    pub(crate) summary: String,
}

#[derive(Debug)]
pub(crate) struct IdSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) none: Option<Spanned<i64>>,
}

#[derive(Debug)]
pub(crate) struct EnumSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) repr: Spanned<String>,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) values: Vec<EnumValueSpec>,
}

#[derive(Debug)]
pub(crate) struct EnumValueSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) value: Spanned<ScalarValue>,
    pub(crate) zh: String,
    pub(crate) en: String,
}

#[derive(Debug)]
pub(crate) struct TypeSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) fields: Vec<FieldSpec>,
}

#[derive(Debug)]
pub(crate) struct FieldSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) ty: Spanned<String>,
    pub(crate) required: bool,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) example: Option<String>,
    pub(crate) doc_type: Option<String>,
}

#[derive(Debug)]
pub(crate) struct EndpointSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) doc: Option<Spanned<i64>>,
    pub(crate) title_zh: String,
    pub(crate) summary: String,
    pub(crate) description_zh: Option<String>,
    pub(crate) notes: Option<String>,
    pub(crate) http: HttpSpec,
    pub(crate) retry_safe: Spanned<bool>,
    pub(crate) params: Vec<ParamSpec>,
    pub(crate) response: Spanned<String>,
    pub(crate) pagination: Option<PaginationSpec>,
    pub(crate) confirms: Option<ConfirmsSpec>,
    pub(crate) window: Option<WindowSpec>,
    pub(crate) examples: Vec<ExampleSpec>,
}

/// A time window given by two datetime parameters.
#[derive(Debug)]
pub(crate) struct WindowSpec {
    pub(crate) start: Spanned<String>,
    pub(crate) end: Spanned<String>,
    pub(crate) same_day: bool,
}

/// A batch endpoint whose response lists the requested ids it applied.
#[derive(Debug)]
pub(crate) struct ConfirmsSpec {
    /// The list parameter holding the requested items.
    pub(crate) param: Spanned<String>,
    /// The id field of each item, when the items are records.
    pub(crate) key: Option<Spanned<String>>,
    /// The response field listing the ids applied.
    pub(crate) list: Spanned<String>,
}

#[derive(Debug)]
pub(crate) struct HttpSpec {
    pub(crate) methods: Spanned<Vec<Spanned<String>>>,
    pub(crate) path: Spanned<String>,
    pub(crate) path_verified: bool,
    pub(crate) path_source: String,
    pub(crate) upload: Spanned<bool>,
}

#[derive(Debug)]
pub(crate) struct ParamSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) ty: Spanned<String>,
    pub(crate) required: bool,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) default: Option<Spanned<ScalarValue>>,
    pub(crate) min: Option<Spanned<i64>>,
    pub(crate) max: Option<Spanned<i64>>,
    pub(crate) encoding: Option<Spanned<String>>,
    pub(crate) inferred: bool,
    pub(crate) role: Option<Spanned<String>>,
}

#[derive(Debug)]
pub(crate) struct PaginationSpec {
    pub(crate) page: Spanned<String>,
    pub(crate) page_size: Spanned<String>,
    pub(crate) items: Spanned<String>,
    pub(crate) total: Spanned<String>,
}

#[derive(Debug)]
pub(crate) struct ExampleSpec {
    pub(crate) title: String,
    pub(crate) json: Spanned<String>,
    pub(crate) repaired: Option<String>,
}

#[derive(Debug)]
pub(crate) struct CallbackSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) doc: String,
    pub(crate) title_zh: String,
    pub(crate) summary: String,
    pub(crate) description_zh: Option<String>,
    pub(crate) when: Spanned<WhenSpec>,
    pub(crate) fields: Vec<FieldSpec>,
    pub(crate) variants: Option<VariantsSpec>,
}

#[derive(Debug)]
pub(crate) enum WhenSpec {
    Otherwise,
    Equals {
        field: Spanned<String>,
        value: String,
    },
    Present {
        field: Spanned<String>,
    },
}

#[derive(Debug)]
pub(crate) struct VariantsSpec {
    pub(crate) field: Spanned<String>,
    pub(crate) cases: Vec<VariantCaseSpec>,
}

#[derive(Debug)]
pub(crate) struct VariantCaseSpec {
    pub(crate) name: Spanned<String>,
    pub(crate) value: Spanned<ScalarValue>,
    pub(crate) zh: String,
    pub(crate) en: String,
    pub(crate) fields: Vec<Spanned<String>>,
}

/// Reads one spec file. Problems go to `diags`; what could be read is returned either way.
pub(crate) fn parse_file(file: &str, text: &str, diags: &mut Diagnostics) -> SpecFile {
    let doc = Document::parse(file, text, diags);
    let mut out = SpecFile {
        file: file.to_owned(),
        at: Location {
            file: file.to_owned(),
            ..Location::default()
        },
        ..SpecFile::default()
    };
    let Some(root) = doc.root() else {
        return out;
    };
    let Some(mut m) = root.map(diags) else {
        return out;
    };
    out.api = m.optional("api").and_then(|n| read_api(&n, diags));
    out.groups = m.optional("groups").and_then(|n| {
        let items = n.seq(diags)?;
        Some(items.iter().filter_map(|i| spanned_str(i, diags)).collect())
    });
    out.group = m.optional("group").and_then(|n| read_group(&n, diags));
    out.ids = named_entries(m.optional("ids"), diags, read_id);
    out.enums = named_entries(m.optional("enums"), diags, read_enum);
    out.types = named_entries(m.optional("types"), diags, read_type);
    out.endpoints = named_entries(m.optional("endpoints"), diags, read_endpoint);
    out.callbacks = named_entries(m.optional("callbacks"), diags, read_callback);
    m.finish(diags);
    out
}

/// Reads a mapping from author-chosen names to entries of one kind.
fn named_entries<T>(
    node: Option<Node<'_>>,
    diags: &mut Diagnostics,
    read: impl Fn(Spanned<String>, &Node<'_>, &mut Diagnostics) -> Option<T>,
) -> Vec<T> {
    let Some(node) = node else { return Vec::new() };
    let Some(m) = node.map(diags) else {
        return Vec::new();
    };
    m.entries()
        .into_iter()
        .filter_map(|(name, n)| {
            let name = Spanned {
                value: name,
                at: n.at.clone(),
            };
            read(name, &n, diags)
        })
        .collect()
}

fn spanned_str(n: &Node<'_>, diags: &mut Diagnostics) -> Option<Spanned<String>> {
    Some(Spanned {
        value: n.str(diags)?,
        at: n.at.clone(),
    })
}

fn req_str(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Option<Spanned<String>> {
    m.required(key, diags).and_then(|n| spanned_str(&n, diags))
}

fn opt_str(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Option<String> {
    m.optional(key).and_then(|n| n.str(diags))
}

fn req_text(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Option<String> {
    m.required(key, diags).and_then(|n| n.text(diags))
}

fn opt_text(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Option<String> {
    m.optional(key).and_then(|n| n.text(diags))
}

fn req_bool(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Option<Spanned<bool>> {
    let n = m.required(key, diags)?;
    Some(Spanned {
        value: n.bool(diags)?,
        at: n.at.clone(),
    })
}

fn opt_bool(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Spanned<bool> {
    let at = m.at().child(key);
    match m.optional(key) {
        Some(n) => Spanned {
            value: n.bool(diags).unwrap_or(false),
            at: n.at.clone(),
        },
        None => Spanned { value: false, at },
    }
}

fn opt_int(m: &mut Map<'_>, key: &'static str, diags: &mut Diagnostics) -> Option<Spanned<i64>> {
    let n = m.optional(key)?;
    Some(Spanned {
        value: n.int(diags)?,
        at: n.at.clone(),
    })
}

fn opt_scalar(
    m: &mut Map<'_>,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Option<Spanned<ScalarValue>> {
    let n = m.optional(key)?;
    Some(Spanned {
        value: n.scalar(diags)?,
        at: n.at.clone(),
    })
}

fn req_scalar(
    m: &mut Map<'_>,
    key: &'static str,
    diags: &mut Diagnostics,
) -> Option<Spanned<ScalarValue>> {
    let n = m.required(key, diags)?;
    Some(Spanned {
        value: n.scalar(diags)?,
        at: n.at.clone(),
    })
}

fn str_list(n: &Node<'_>, diags: &mut Diagnostics) -> Vec<Spanned<String>> {
    n.seq(diags)
        .unwrap_or_default()
        .iter()
        .filter_map(|i| spanned_str(i, diags))
        .collect()
}

/// The `lenient:` key of earlier spec versions: tolerance is now the default for every field.
fn retired_lenient(m: &mut Map<'_>, diags: &mut Diagnostics) {
    if let Some(n) = m.optional("lenient") {
        diags.error(
            &n.at,
            "'lenient' is gone: every response and callback field decodes tolerantly by its type \
             (spec/README.md, Tolerant decoding)",
        );
    }
}

fn read_api(n: &Node<'_>, diags: &mut Diagnostics) -> Option<ApiSpec> {
    let mut m = n.map(diags)?;
    let title_zh = req_text(&mut m, "title_zh", diags);
    let summary = req_text(&mut m, "summary", diags);
    let doc_url = req_str(&mut m, "doc_url", diags);
    let base_url = req_str(&mut m, "base_url", diags);
    let rate = m.required("rate_limit", diags).and_then(|r| {
        let mut rm = r.map(diags)?;
        let requests = rm.required("requests", diags).and_then(|v| {
            Some(Spanned {
                value: v.int(diags)?,
                at: v.at.clone(),
            })
        });
        let per = rm.required("per_seconds", diags).and_then(|v| {
            Some(Spanned {
                value: v.int(diags)?,
                at: v.at.clone(),
            })
        });
        rm.finish(diags);
        Some((requests?, per?))
    });
    m.finish(diags);
    let (rate_limit_requests, rate_limit_per_seconds) = rate?;
    Some(ApiSpec {
        title_zh: title_zh?,
        summary: summary?,
        doc_url: doc_url?.value,
        base_url: base_url?,
        rate_limit_requests,
        rate_limit_per_seconds,
    })
}

fn read_group(n: &Node<'_>, diags: &mut Diagnostics) -> Option<GroupSpec> {
    let mut m = n.map(diags)?;
    let title_zh = req_text(&mut m, "title_zh", diags);
    let summary = req_text(&mut m, "summary", diags);
    m.finish(diags);
    Some(GroupSpec {
        title_zh: title_zh?,
        summary: summary?,
    })
}

fn read_id(name: Spanned<String>, n: &Node<'_>, diags: &mut Diagnostics) -> Option<IdSpec> {
    let mut m = n.map(diags)?;
    let zh = req_text(&mut m, "zh", diags);
    let en = req_text(&mut m, "en", diags);
    let none = opt_int(&mut m, "none", diags);
    m.finish(diags);
    Some(IdSpec {
        name,
        zh: zh?,
        en: en?,
        none,
    })
}

fn read_enum(name: Spanned<String>, n: &Node<'_>, diags: &mut Diagnostics) -> Option<EnumSpec> {
    let mut m = n.map(diags)?;
    let repr = req_str(&mut m, "repr", diags);
    let zh = req_text(&mut m, "zh", diags);
    let en = req_text(&mut m, "en", diags);
    let values = m.required("values", diags).map(|v| {
        named_entries(Some(v), diags, |name, n, diags| {
            let mut m = n.map(diags)?;
            let value = req_scalar(&mut m, "value", diags);
            let zh = req_text(&mut m, "zh", diags);
            let en = req_text(&mut m, "en", diags);
            m.finish(diags);
            Some(EnumValueSpec {
                name,
                value: value?,
                zh: zh?,
                en: en?,
            })
        })
    });
    m.finish(diags);
    Some(EnumSpec {
        name,
        repr: repr?,
        zh: zh?,
        en: en?,
        values: values?,
    })
}

fn read_type(name: Spanned<String>, n: &Node<'_>, diags: &mut Diagnostics) -> Option<TypeSpec> {
    let mut m = n.map(diags)?;
    let zh = req_text(&mut m, "zh", diags);
    let en = req_text(&mut m, "en", diags);
    let fields = m
        .required("fields", diags)
        .map(|f| named_entries(Some(f), diags, read_field));
    m.finish(diags);
    Some(TypeSpec {
        name,
        zh: zh?,
        en: en?,
        fields: fields?,
    })
}

fn read_field(name: Spanned<String>, n: &Node<'_>, diags: &mut Diagnostics) -> Option<FieldSpec> {
    let mut m = n.map(diags)?;
    let ty = req_str(&mut m, "type", diags);
    let required = opt_bool(&mut m, "required", diags).value;
    retired_lenient(&mut m, diags);
    let zh = req_text(&mut m, "zh", diags);
    let en = req_text(&mut m, "en", diags);
    let example = opt_text(&mut m, "example", diags);
    let doc_type = opt_str(&mut m, "doc_type", diags);
    m.finish(diags);
    Some(FieldSpec {
        name,
        ty: ty?,
        required,
        zh: zh?,
        en: en?,
        example,
        doc_type,
    })
}

fn read_endpoint(
    name: Spanned<String>,
    n: &Node<'_>,
    diags: &mut Diagnostics,
) -> Option<EndpointSpec> {
    let mut m = n.map(diags)?;
    let doc = opt_int(&mut m, "doc", diags);
    let title_zh = req_text(&mut m, "title_zh", diags);
    let summary = req_text(&mut m, "summary", diags);
    let description_zh = opt_text(&mut m, "description_zh", diags);
    let notes = opt_text(&mut m, "notes", diags);
    let http = m.required("http", diags).and_then(|h| read_http(&h, diags));
    let retry_safe = req_bool(&mut m, "retry_safe", diags);
    let params = m
        .required("params", diags)
        .map(|p| named_entries(Some(p), diags, read_param));
    let response = match m.required("response", diags) {
        Some(r) if r.is_map() => {
            diags.error(
                &r.at,
                "'response' is a type expression; the '{ type, lenient }' form is gone: \
                 every response decodes tolerantly by its types (spec/README.md)",
            );
            None
        }
        Some(r) => spanned_str(&r, diags),
        None => None,
    };
    let pagination = m
        .optional("pagination")
        .and_then(|p| read_pagination(&p, diags));
    let confirms = m.optional("confirms").and_then(|c| {
        let mut cm = c.map(diags)?;
        let param = req_str(&mut cm, "param", diags);
        let key = cm.optional("key").and_then(|k| spanned_str(&k, diags));
        let list = req_str(&mut cm, "list", diags);
        cm.finish(diags);
        Some(ConfirmsSpec {
            param: param?,
            key,
            list: list?,
        })
    });
    let window = m.optional("window").and_then(|w| {
        let mut wm = w.map(diags)?;
        let start = req_str(&mut wm, "start", diags);
        let end = req_str(&mut wm, "end", diags);
        let same_day = opt_bool(&mut wm, "same_day", diags).value;
        wm.finish(diags);
        Some(WindowSpec {
            start: start?,
            end: end?,
            same_day,
        })
    });
    let examples = m
        .optional("examples")
        .map(|e| {
            e.seq(diags)
                .unwrap_or_default()
                .iter()
                .filter_map(|x| read_example(x, diags))
                .collect()
        })
        .unwrap_or_default();
    m.finish(diags);
    Some(EndpointSpec {
        name,
        doc,
        title_zh: title_zh?,
        summary: summary?,
        description_zh,
        notes,
        http: http?,
        retry_safe: retry_safe?,
        params: params?,
        response: response?,
        pagination,
        confirms,
        window,
        examples,
    })
}

fn read_http(n: &Node<'_>, diags: &mut Diagnostics) -> Option<HttpSpec> {
    let mut m = n.map(diags)?;
    let methods = m.required("methods", diags).map(|l| Spanned {
        value: str_list(&l, diags),
        at: l.at.clone(),
    });
    let path = req_str(&mut m, "path", diags);
    let path_verified = req_bool(&mut m, "path_verified", diags);
    let path_source = req_text(&mut m, "path_source", diags);
    let upload = opt_bool(&mut m, "upload", diags);
    m.finish(diags);
    Some(HttpSpec {
        methods: methods?,
        path: path?,
        path_verified: path_verified?.value,
        path_source: path_source?,
        upload,
    })
}

fn read_param(name: Spanned<String>, n: &Node<'_>, diags: &mut Diagnostics) -> Option<ParamSpec> {
    let mut m = n.map(diags)?;
    let ty = req_str(&mut m, "type", diags);
    let required = req_bool(&mut m, "required", diags);
    let zh = req_text(&mut m, "zh", diags);
    let en = req_text(&mut m, "en", diags);
    let default = opt_scalar(&mut m, "default", diags);
    let min = opt_int(&mut m, "min", diags);
    let max = opt_int(&mut m, "max", diags);
    let encoding = m.optional("encoding").and_then(|e| spanned_str(&e, diags));
    let inferred = opt_bool(&mut m, "inferred", diags).value;
    let role = m.optional("role").and_then(|r| spanned_str(&r, diags));
    m.finish(diags);
    Some(ParamSpec {
        name,
        ty: ty?,
        required: required?.value,
        zh: zh?,
        en: en?,
        default,
        min,
        max,
        encoding,
        inferred,
        role,
    })
}

fn read_pagination(n: &Node<'_>, diags: &mut Diagnostics) -> Option<PaginationSpec> {
    let mut m = n.map(diags)?;
    let page = req_str(&mut m, "page", diags);
    let page_size = req_str(&mut m, "page_size", diags);
    let items = req_str(&mut m, "items", diags);
    let total = req_str(&mut m, "total", diags);
    m.finish(diags);
    Some(PaginationSpec {
        page: page?,
        page_size: page_size?,
        items: items?,
        total: total?,
    })
}

fn read_example(n: &Node<'_>, diags: &mut Diagnostics) -> Option<ExampleSpec> {
    let mut m = n.map(diags)?;
    let title = req_text(&mut m, "title", diags);
    let json = req_str(&mut m, "json", diags);
    let repaired = opt_text(&mut m, "repaired", diags);
    m.finish(diags);
    Some(ExampleSpec {
        title: title?,
        json: json?,
        repaired,
    })
}

fn read_callback(
    name: Spanned<String>,
    n: &Node<'_>,
    diags: &mut Diagnostics,
) -> Option<CallbackSpec> {
    let mut m = n.map(diags)?;
    let doc = req_text(&mut m, "doc", diags);
    let title_zh = req_text(&mut m, "title_zh", diags);
    let summary = req_text(&mut m, "summary", diags);
    let description_zh = opt_text(&mut m, "description_zh", diags);
    let when = m.required("when", diags).and_then(|w| read_when(&w, diags));
    let fields = m
        .required("fields", diags)
        .map(|f| named_entries(Some(f), diags, read_field));
    let variants = m
        .optional("variants")
        .and_then(|v| read_variants(&v, diags));
    m.finish(diags);
    Some(CallbackSpec {
        name,
        doc: doc?,
        title_zh: title_zh?,
        summary: summary?,
        description_zh,
        when: when?,
        fields: fields?,
        variants,
    })
}

fn read_when(n: &Node<'_>, diags: &mut Diagnostics) -> Option<Spanned<WhenSpec>> {
    let at = n.at.clone();
    if n.is_word("otherwise") {
        return Some(Spanned {
            value: WhenSpec::Otherwise,
            at,
        });
    }
    let mut m = n.map(diags)?;
    let field = req_str(&mut m, "field", diags);
    let equals = m.optional("equals");
    let present = m.optional("present");
    m.finish(diags);
    let value = match (equals, present) {
        (Some(e), None) => WhenSpec::Equals {
            field: field?,
            value: e.text(diags)?,
        },
        (None, Some(p)) => {
            if p.bool(diags) != Some(true) {
                diags.error(&p.at, "'present' can only be true");
            }
            WhenSpec::Present { field: field? }
        }
        _ => {
            diags.error(&at, "'when' needs exactly one of 'equals' or 'present'");
            return None;
        }
    };
    Some(Spanned { value, at })
}

fn read_variants(n: &Node<'_>, diags: &mut Diagnostics) -> Option<VariantsSpec> {
    let mut m = n.map(diags)?;
    let field = req_str(&mut m, "field", diags);
    let cases = m.required("cases", diags).map(|c| {
        named_entries(Some(c), diags, |name, n, diags| {
            let mut m = n.map(diags)?;
            let value = req_scalar(&mut m, "value", diags);
            let zh = req_text(&mut m, "zh", diags);
            let en = req_text(&mut m, "en", diags);
            let fields = m.required("fields", diags).map(|f| str_list(&f, diags));
            m.finish(diags);
            Some(VariantCaseSpec {
                name,
                value: value?,
                zh: zh?,
                en: en?,
                fields: fields?,
            })
        })
    });
    m.finish(diags);
    Some(VariantsSpec {
        field: field?,
        cases: cases?,
    })
}
