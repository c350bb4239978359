//! Any bytes as a protobuf export request of each signal: decoding must not panic, and whatever decodes
//! must survive OTLP/JSON unchanged (the JSON codec's output is canonical, so compare that).
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use weir::decode::{Format, decode};
use weir_proto::Signal;

fuzz_target!(|data: &[u8]| {
    let body = Bytes::copy_from_slice(data);
    for signal in Signal::ALL {
        if let Ok(checked) = decode(signal, Format::Protobuf, &body) {
            let json = Bytes::from(weir_proto::json::encode(&checked.decode()));
            let again = decode(signal, Format::Json, &json).expect("OTLP/JSON written by weir decodes");
            assert_eq!(weir_proto::json::encode(&again.decode()), json);
        }
    }
});
