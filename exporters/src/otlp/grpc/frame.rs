//! gRPC framing: the compressed flag and the length in front of the request body.

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use weir_config::Compression;
use weir_proto::Encoded;

use crate::otlp::body;

/// The gRPC message prefix: a compressed flag and a big-endian length.
pub(super) const FRAME_HEADER: usize = 5;

/// `payload` as one gRPC message: the compressed flag, the length and the (compressed) request.
pub fn frame(payload: &Encoded, compression: Compression) -> io::Result<Bytes> {
    finish(
        body::encode(payload, compression, FRAME_HEADER)?,
        compression,
    )
}

/// [`frame`], compressing off the async runtime's threads.
pub(super) async fn frame_off_runtime(
    payload: Arc<Encoded>,
    compression: Compression,
) -> io::Result<Bytes> {
    finish(
        body::encode_off_runtime(payload, compression, FRAME_HEADER).await?,
        compression,
    )
}

/// Fills in the prefix `body` was encoded after.
fn finish(mut frame: Vec<u8>, compression: Compression) -> io::Result<Bytes> {
    let length = u32::try_from(frame.len() - FRAME_HEADER).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the request is larger than a gRPC message may be (4 GiB)",
        )
    })?;
    frame[0] = u8::from(compression != Compression::None);
    frame[1..FRAME_HEADER].copy_from_slice(&length.to_be_bytes());
    Ok(frame.into())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use bytes::Bytes;
    use weir_proto::Encoded;

    use super::*;
    use crate::fixtures::{encoded, log, metrics, traces};

    /// Reads back what `frame` made, as a server would.
    fn unframe_request(framed: &[u8], compression: Compression) -> Vec<u8> {
        let length = u32::from_be_bytes(framed[1..5].try_into().unwrap());
        let message = &framed[5..];
        assert_eq!(message.len(), length as usize);
        match compression {
            Compression::None => {
                assert_eq!(framed[0], 0);
                message.to_vec()
            }
            Compression::Zstd => {
                assert_eq!(framed[0], 1);
                zstd::decode_all(message).unwrap()
            }
            Compression::Gzip => {
                assert_eq!(framed[0], 1);
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(message)
                    .read_to_end(&mut out)
                    .unwrap();
                out
            }
        }
    }

    #[test]
    fn requests_round_trip_through_every_compression() {
        let big = traces(2_000);
        for compression in [Compression::Zstd, Compression::Gzip, Compression::None] {
            // Twice, so the second batch reuses the thread's compressor.
            for payload in [traces(3), metrics(4), log("hello"), big.clone(), traces(1)] {
                let framed = frame(&encoded(&payload), compression).unwrap();
                let message = unframe_request(&framed, compression);
                let decoded = Encoded::scan(payload.signal(), &Bytes::from(message)).unwrap();
                assert_eq!(decoded.decode(), payload, "{compression:?}");
            }
        }
        let big = encoded(&big);
        let zstd = frame(&big, Compression::Zstd).unwrap().len();
        let none = frame(&big, Compression::None).unwrap().len();
        assert!(zstd < none / 2, "zstd {zstd} bytes, uncompressed {none}");
    }
}
