//! What a call's answer becomes: its decoded `data` ([`Output`], [`OutputWithBody`]) or the
//! answer as received ([`AnswerOutput`]), behind the [`Decode`] the call core feeds a 2xx body to.

use bytes::Bytes;

use super::envelope;
use super::error::{Error, Label, Result};

/// Turns a successful response's body into the call's output: [`Output`] for typed and JSON
/// calls, [`Answer`] for exchanges. Used as `dyn`, so the core is not generic.
pub(crate) trait Decode: Send {
    /// Decodes `body` (a 2xx response of `label`, with `status`) and keeps the result.
    fn decode(&mut self, label: &Label, status: u16, body: Bytes) -> Result<()>;
}

/// How a successful response's body becomes `T`: an endpoint's `Sealed::decode_data`
/// (`crate::wire`), or [`envelope::decode_json`].
pub(crate) type DecodeFn<T> = fn(&Label, Bytes) -> Result<T>;

/// The decoded `data` of a call, as `T`.
#[derive(Debug)]
pub(crate) struct Output<T> {
    decode: DecodeFn<T>,
    value: Option<T>,
}

impl<T: Send> Output<T> {
    pub(crate) fn new(decode: DecodeFn<T>) -> Self {
        Output {
            decode,
            value: None,
        }
    }

    /// The decoded value, if a response was decoded (tests).
    #[cfg(test)]
    pub(crate) fn into_value(self) -> Option<T> {
        self.value
    }

    /// The call's result: its output, or its error.
    pub(crate) fn finish(self, label: &Label, result: Result<()>) -> Result<T> {
        result.and_then(|()| self.value.ok_or_else(|| envelope::missing(label)))
    }
}

impl<T: Send> Decode for Output<T> {
    fn decode(&mut self, label: &Label, _status: u16, body: Bytes) -> Result<()> {
        self.value = Some((self.decode)(label, body)?);
        Ok(())
    }
}

/// The decoded `data` of a call, and the body it was decoded from
/// ([`crate::Client::execute_with_body`]).
#[derive(Debug)]
pub(crate) struct OutputWithBody<T> {
    output: Output<T>,
    body: Option<Bytes>,
}

impl<T: Send> OutputWithBody<T> {
    pub(crate) fn new(decode: DecodeFn<T>) -> Self {
        OutputWithBody {
            output: Output::new(decode),
            body: None,
        }
    }

    /// The call's result: its output with the body, or its error.
    pub(crate) fn finish(self, label: &Label, result: Result<()>) -> Result<WithBody<T>> {
        let body = self.body.unwrap_or_default();
        let data = self.output.finish(label, result)?;
        Ok(WithBody { data, body })
    }
}

impl<T: Send> Decode for OutputWithBody<T> {
    fn decode(&mut self, label: &Label, status: u16, body: Bytes) -> Result<()> {
        self.output.decode(label, status, body.clone())?;
        self.body = Some(body);
        Ok(())
    }
}

/// A call's typed `data` and the whole response body it was decoded from, byte for byte
/// ([`crate::Client::execute_with_body`]): for keeping what the vendor sent beside what the client
/// read, e.g. a sync that stores each item's JSON as received.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WithBody<T> {
    /// The envelope's `data`, decoded as the endpoint's output.
    pub data: T,
    /// The response body as received (the whole envelope).
    pub body: Bytes,
}

/// An exchange's answer as received ([`crate::Client::exchange`]): a 2xx body kept whole, its
/// envelope not read; other statuses come back from the core as errors and are turned into an
/// [`Answer`] by [`Answer::finish`].
#[derive(Debug, Default)]
pub(crate) struct AnswerOutput(Option<Answer>);

impl Decode for AnswerOutput {
    fn decode(&mut self, _label: &Label, status: u16, body: Bytes) -> Result<()> {
        self.0 = Some(Answer {
            status,
            location: None,
            body,
        });
        Ok(())
    }
}

/// The answer to one exchange ([`crate::Client::exchange`]), as the server sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Location` of a redirect (3xx), which is not followed.
    pub location: Option<String>,
    /// The whole body (empty for a redirect), up to the client's `max_response_size`.
    pub body: Bytes,
}

impl AnswerOutput {
    /// The answer of a finished exchange: a 2xx body, or the status and body (or `Location`) of
    /// a non-2xx answer, which the core reports as [`Error::Http`] or [`Error::Redirect`]. Any
    /// other error (no answer at all, the limit, a body over the cap) stays an error.
    pub(crate) fn finish(self, label: &Label, result: Result<()>) -> Result<Answer> {
        match result {
            Ok(()) => self.0.ok_or_else(|| envelope::missing(label)),
            Err(Error::Http { status, body, .. }) => Ok(Answer {
                status,
                location: None,
                body,
            }),
            Err(Error::Redirect {
                status, location, ..
            }) => Ok(Answer {
                status,
                location,
                body: Bytes::new(),
            }),
            Err(other) => Err(other),
        }
    }
}
