//! Any bytes as a protobuf export request of each signal: decoding must not panic, and whatever decodes
//! must survive OTLP/JSON unchanged (the JSON codec's output is canonical, so compare that).
#![no_main]

use libfuzzer_sys::fuzz_target;
use weir::decode::{Format, decode};
use weir_proto::Signal;

fuzz_target!(|data: &[u8]| {
    for signal in Signal::ALL {
        if let Ok(payload) = decode(signal, Format::Protobuf, data) {
            let json = weir_proto::json::encode(&payload);
            let again = decode(signal, Format::Json, &json).expect("OTLP/JSON written by weir decodes");
            assert_eq!(weir_proto::json::encode(&again), json);
        }
    }
});
