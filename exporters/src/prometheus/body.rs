//! A remote-write request body: the message in protobuf, compressed, with the headers that say what
//! it is.

use prost::Message;

use super::encode::{to_v1, to_v2};
use super::model::SeriesSet;

/// The header that names the remote-write version a body follows.
pub const VERSION_HEADER: &str = "X-Prometheus-Remote-Write-Version";

/// zstd's fastest regular level: remote-write bodies are small and sent often.
const ZSTD_LEVEL: i32 = 1;

/// Which remote-write message a body carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Remote-Write 1.0: `prometheus.WriteRequest`, which every receiver understands.
    V1,
    /// Remote-Write 2.0: `io.prometheus.write.v2.Request`, with metadata and created timestamps.
    V2,
}

impl Protocol {
    /// The `Content-Type` header value.
    pub const fn content_type(self) -> &'static str {
        match self {
            // Without `;proto=`, which 1.x receivers may not parse.
            Protocol::V1 => "application/x-protobuf",
            Protocol::V2 => "application/x-protobuf;proto=io.prometheus.write.v2.Request",
        }
    }

    /// The [`VERSION_HEADER`] value.
    pub const fn version(self) -> &'static str {
        match self {
            Protocol::V1 => "0.1.0",
            Protocol::V2 => "2.0.0",
        }
    }
}

/// How a body is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// Snappy's block format (not its framed format): what both specs require receivers to accept.
    Snappy,
    /// zstd, for receivers known to accept it.
    Zstd,
}

impl Compression {
    /// The `Content-Encoding` header value.
    pub const fn content_encoding(self) -> &'static str {
        match self {
            Compression::Snappy => "snappy",
            Compression::Zstd => "zstd",
        }
    }
}

/// Why a body could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The message is too large for snappy's block format.
    #[error(
        "snappy cannot compress a {length}-byte remote-write message: {source}; lower max_samples_per_send"
    )]
    Snappy {
        /// The uncompressed message size.
        length: usize,
        /// What snappy said.
        source: snap::Error,
    },
    /// zstd failed (out of memory, most likely).
    #[error("zstd cannot compress a {length}-byte remote-write message: {source}")]
    Zstd {
        /// The uncompressed message size.
        length: usize,
        /// What zstd said.
        source: std::io::Error,
    },
}

/// A compressed request body and the headers that describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The compressed message.
    pub bytes: Vec<u8>,
    /// The message it carries.
    pub protocol: Protocol,
    /// How `bytes` are compressed.
    pub compression: Compression,
}

impl Body {
    /// `set` as a `protocol` message compressed with `compression`.
    pub fn encode(
        set: &SeriesSet,
        protocol: Protocol,
        compression: Compression,
    ) -> Result<Self, EncodeError> {
        let message = match protocol {
            Protocol::V1 => to_v1(set).encode_to_vec(),
            Protocol::V2 => to_v2(set).encode_to_vec(),
        };
        Ok(Body {
            bytes: compress(&message, compression)?,
            protocol,
            compression,
        })
    }

    /// `Content-Type`, `Content-Encoding` and [`VERSION_HEADER`] with their values.
    pub fn headers(&self) -> [(&'static str, &'static str); 3] {
        [
            ("Content-Type", self.protocol.content_type()),
            ("Content-Encoding", self.compression.content_encoding()),
            (VERSION_HEADER, self.protocol.version()),
        ]
    }
}

/// `message` compressed with `compression`.
pub fn compress(message: &[u8], compression: Compression) -> Result<Vec<u8>, EncodeError> {
    let length = message.len();
    match compression {
        Compression::Snappy => snap::raw::Encoder::new()
            .compress_vec(message)
            .map_err(|source| EncodeError::Snappy { length, source }),
        Compression::Zstd => zstd::bulk::compress(message, ZSTD_LEVEL)
            .map_err(|source| EncodeError::Zstd { length, source }),
    }
}

#[cfg(test)]
mod tests;
