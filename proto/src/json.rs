//! OTLP/JSON encoding and decoding (filled in by the decode work).
