//! A request body that charges its bytes to the memory budget as they arrive, before any decoding.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Buf;
use http_body::{Body, Frame, SizeHint};

use crate::admission::Reservation;

/// Wraps a body; each data frame grows the reservation, which is returned when the body is dropped.
pub struct CountedBody<B> {
    inner: Pin<Box<B>>,
    reservation: Reservation,
}

impl<B> CountedBody<B> {
    /// Counts `inner`'s bytes against `reservation`.
    pub fn new(inner: B, reservation: Reservation) -> CountedBody<B> {
        CountedBody {
            inner: Box::pin(inner),
            reservation,
        }
    }
}

impl<B: Body> Body for CountedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = self.inner.as_mut().poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref() {
                let len = data.remaining();
                self.reservation.grow(len);
            }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
