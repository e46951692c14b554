//! Shared helpers: the spec as the generator sees it and recording what `tracing` sees (walking and
//! editing JSON: `test_json`).

use std::path::{Path, PathBuf};

/// The workspace root.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// The spec, loaded and validated by the generator.
pub(crate) fn spec() -> anyhow::Result<codegen::ir::Api> {
    let dir = root().join("spec");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "yaml") {
            sources.push(codegen::SourceFile {
                name: format!(
                    "spec/{}",
                    path.file_name().unwrap_or_default().to_string_lossy()
                ),
                text: std::fs::read_to_string(&path)?,
            });
        }
    }
    codegen::load(&sources).map_err(|d| anyhow::anyhow!("{d}"))
}

/// Unix seconds now, as a signed request's `timestamp`.
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

/// Recording what `tracing` sees.
mod capture {
    use std::fmt::Debug;
    use std::sync::{Arc, Mutex};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Subscriber};
    use tracing_subscriber::layer::{Context, Layer};

    /// Every field of every span and event, as `name=value`.
    #[derive(Clone, Default)]
    pub(super) struct Fields(pub(super) Arc<Mutex<Vec<String>>>);

    struct Visitor<'a>(&'a Fields);

    impl Visit for Visitor<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            if let Ok(mut v) = self.0.0.lock() {
                v.push(format!("{}={value:?}", field.name()));
            }
        }

        fn record_str(&mut self, field: &Field, value: &str) {
            if let Ok(mut v) = self.0.0.lock() {
                v.push(format!("{}={value}", field.name()));
            }
        }
    }

    impl<S: Subscriber> Layer<S> for Fields {
        fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
            attrs.record(&mut Visitor(self));
        }

        fn on_record(&self, _: &Id, values: &Record<'_>, _: Context<'_, S>) {
            values.record(&mut Visitor(self));
        }

        fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
            event.record(&mut Visitor(self));
        }
    }
}

/// Runs `f` with a subscriber that records every field, on a current-thread runtime so that every
/// span stays on this thread.
pub(crate) async fn capture_async<T>(f: impl std::future::Future<Output = T>) -> (T, Vec<String>) {
    use tracing_subscriber::layer::SubscriberExt;
    let fields = capture::Fields::default();
    let subscriber = tracing_subscriber::registry().with(fields.clone());
    let _guard = tracing::subscriber::set_default(subscriber);
    let out = f.await;
    let seen = fields.0.lock().map(|v| v.clone()).unwrap_or_default();
    (out, seen)
}
