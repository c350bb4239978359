//! Stage 2, decode: request bodies into OTLP payloads.
