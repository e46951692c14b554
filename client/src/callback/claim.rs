//! A claimed delivery ([`Claimed`]): its lease in the store, completed or released once, and
//! released when dropped unanswered.

use std::ops::Deref;
use std::sync::Arc;

use super::*;

/// A verified delivery, claimed for this attempt: handle [`Claimed::callback`] (also reachable
/// through `Deref`), then [`complete`](Claimed::complete) or [`release`](Claimed::release) it.
/// Dropped without either (a handler that returned early or panicked, or a cancelled request), it
/// is released (in the background, on a tokio runtime; otherwise when its lease runs out) and a
/// warning is logged, so the vendor's retry is handled again. `{"code":0}` can only come from
/// [`Claimed::complete`] (see [`Reply`]).
#[derive(Debug)]
#[must_use = "complete the delivery once handled, or release it"]
pub struct Claimed {
    pub(super) callback: Callback,
    pub(super) lease: Option<Lease>,
}

/// The store's claim on one delivery; released when dropped unfinished.
#[derive(Debug)]
pub(super) struct Lease {
    pub(super) store: Arc<dyn DeliveryStore>,
    pub(super) qid: String,
    pub(super) token: String,
    pub(super) keep: Duration,
}

/// What is left of a [`Claimed`] while the handler owns the callback.
#[derive(Debug)]
pub(super) struct LeaseGuard(pub(super) Option<Lease>);

impl Claimed {
    /// The verified callback.
    pub fn callback(&self) -> &Callback {
        &self.callback
    }

    pub(super) fn into_parts(mut self) -> (Callback, LeaseGuard) {
        let lease = self.lease.take();
        let callback = std::mem::replace(
            &mut self.callback,
            Callback {
                event: CallbackEvent::Unknown(String::new()),
                fields: BTreeMap::new(),
            },
        );
        (callback, LeaseGuard(lease))
    }

    /// Records the delivery as handled and returns `{"code":0}`. Should the store fail to
    /// record it, the answer is still `{"code":0}` (the event *was* handled; a failure is
    /// logged): a retry would then be handled again once the claim lapses, never lost.
    pub async fn complete(self) -> Reply {
        self.into_parts().1.complete().await
    }

    /// Forgets the claim, so the vendor's retry is handled, and returns `{"code":1,"msg":why}`.
    pub async fn release(self, why: &str) -> Reply {
        self.into_parts().1.release(why).await
    }
}

impl Deref for Claimed {
    type Target = Callback;

    fn deref(&self) -> &Callback {
        &self.callback
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        drop(LeaseGuard(self.lease.take()));
    }
}

impl LeaseGuard {
    pub(super) async fn complete(mut self) -> Reply {
        if let Some(l) = self.0.take()
            && let Err(e) = l.store.complete(&l.qid, &l.token, l.keep).await
        {
            tracing::warn!(qid = %l.qid, error = %e, "a handled callback could not be recorded as completed");
        }
        Reply::Ack
    }

    pub(super) async fn release(mut self, why: &str) -> Reply {
        if let Some(l) = self.0.take()
            && let Err(e) = l.store.release(&l.qid, &l.token).await
        {
            tracing::warn!(qid = %l.qid, error = %e, "a failed callback's claim could not be released; it lapses with its lease");
        }
        Reply::Retry(why.to_owned())
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        let Some(l) = self.0.take() else { return };
        // Unfinished (a handler that panicked, or a guard dropped): release it if a runtime is
        // here to run the store's future; otherwise the lease runs out.
        if std::thread::panicking() {
            tracing::warn!(qid = %l.qid, "the callback's handler panicked; its claim is released and the vendor's retry will be handled");
        } else {
            tracing::warn!(qid = %l.qid, "a claimed callback was dropped without complete() or release() (a handler that returned without either, or a cancelled request); its claim is released and the vendor's retry will be handled again");
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = l.store.release(&l.qid, &l.token).await;
            });
        }
    }
}
