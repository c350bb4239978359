//! Any bytes as an OTLP/JSON export request of each signal: decoding must not panic, and whatever decodes
//! must encode to JSON that decodes to the same request, and to protobuf that scans to the same request.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use weir::decode::{Format, decode};
use weir_proto::Signal;

fuzz_target!(|data: &[u8]| {
    let body = Bytes::copy_from_slice(data);
    for signal in Signal::ALL {
        if let Ok(checked) = decode(signal, Format::Json, &body) {
            let payload = checked.decode();
            let json = Bytes::from(weir_proto::json::encode(&payload));
            let again = decode(signal, Format::Json, &json).expect("OTLP/JSON written by weir decodes");
            assert_eq!(weir_proto::json::encode(&again.decode()), json);
            let protobuf = decode(signal, Format::Protobuf, &Bytes::from(payload.encode_to_vec()))
                .expect("protobuf decodes");
            assert_eq!(weir_proto::json::encode(&protobuf.decode()), json);
        }
    }
});
