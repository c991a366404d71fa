//! The sink's response body: at most one data frame, then optional trailers
//! (gRPC answers carry `grpc-status` in trailers; `Full` cannot).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};

#[derive(Debug, Default)]
pub struct SinkBody {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl SinkBody {
    pub fn data(data: impl Into<Bytes>) -> Self {
        let data = data.into();
        Self {
            data: (!data.is_empty()).then_some(data),
            trailers: None,
        }
    }

    pub fn with_trailers(data: impl Into<Bytes>, trailers: HeaderMap) -> Self {
        Self {
            trailers: Some(trailers),
            ..Self::data(data)
        }
    }
}

impl Body for SinkBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if let Some(d) = this.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        Poll::Ready(this.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}
