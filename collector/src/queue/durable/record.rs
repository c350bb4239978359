//! How a request is laid out in a disk-queue record: a format byte, the signal, then the request in
//! protobuf wire format, exactly as the receiver checked it.

use bytes::{BufMut, Bytes};
use weir_proto::wire::ScanError;
use weir_proto::{Encoded, Signal};

/// The layout written today; a record of another layout was written by a different weir.
const FORMAT: u8 = 1;
/// Bytes in front of the request.
const HEADER_LEN: usize = 2;

/// Why a record could not be read back as a request.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The record is shorter than its header.
    #[error("the record is {0} bytes, shorter than its header")]
    Short(usize),
    /// A format this weir does not know.
    #[error("the record has format {0}, which this version of weir does not read")]
    Format(u8),
    /// A signal byte that names no signal.
    #[error("the record names signal {0}, which does not exist")]
    Signal(u8),
    /// The request does not scan.
    #[error("the request in the record is not valid OTLP: {0}")]
    Request(#[from] ScanError),
}

/// `payload` as records of at most `max_len` bytes each: one, unless the request is larger, when it
/// is cut by items into as many as it takes.
pub fn encode(payload: &Encoded, max_len: usize) -> Vec<Bytes> {
    // The usual case: the request fits, and is not copied before it is written out.
    if HEADER_LEN + payload.encoded_len() <= max_len || payload.item_count() <= 1 {
        return vec![one(payload)];
    }
    let mut records = Vec::new();
    let mut pending = vec![payload.clone()];
    while let Some(mut part) = pending.pop() {
        if HEADER_LEN + part.encoded_len() > max_len && part.item_count() > 1 {
            let front = part.split_front(part.item_count() / 2);
            pending.push(part);
            pending.push(front);
            continue;
        }
        records.push(one(&part));
    }
    records
}

/// `payload` as one record.
fn one(payload: &Encoded) -> Bytes {
    let mut record = Vec::with_capacity(HEADER_LEN + payload.encoded_len());
    record.put_u8(FORMAT);
    record.put_u8(signal_byte(payload.signal()));
    payload.encode(&mut record);
    Bytes::from(record)
}

/// The request a record holds, checked again as a received one is.
pub fn decode(record: &Bytes) -> Result<Encoded, RecordError> {
    let [format, signal, ..] = record[..] else {
        return Err(RecordError::Short(record.len()));
    };
    if format != FORMAT {
        return Err(RecordError::Format(format));
    }
    let signal = match signal {
        0 => Signal::Traces,
        1 => Signal::Metrics,
        2 => Signal::Logs,
        other => return Err(RecordError::Signal(other)),
    };
    Ok(Encoded::scan(signal, &record.slice(HEADER_LEN..))?)
}

fn signal_byte(signal: Signal) -> u8 {
    match signal {
        Signal::Traces => 0,
        Signal::Metrics => 1,
        Signal::Logs => 2,
    }
}

#[cfg(test)]
mod tests {
    use weir_proto::{Payload, fixtures};

    use super::*;

    #[test]
    fn a_request_comes_back_as_it_went_in() {
        let payload = Encoded::from_payload(&Payload::Traces(fixtures::traces(3, 4))).unwrap();
        let records = encode(&payload, usize::MAX);
        assert_eq!(records.len(), 1);
        assert_eq!(decode(&records[0]).unwrap(), payload);
    }

    #[test]
    fn a_request_larger_than_a_record_is_cut_by_items_in_order() {
        let payload = Encoded::from_payload(&Payload::Traces(fixtures::traces(4, 8))).unwrap();
        let records = encode(&payload, payload.encoded_len() / 3);
        assert!(records.len() > 1);
        let mut joined = Encoded::empty(Signal::Traces);
        for record in &records {
            assert!(record.len() <= payload.encoded_len() / 3);
            joined.append(decode(record).unwrap());
        }
        assert_eq!(joined.decode(), payload.decode());
    }

    #[test]
    fn foreign_records_are_refused_with_the_reason() {
        assert!(matches!(
            decode(&Bytes::from_static(&[1])),
            Err(RecordError::Short(1))
        ));
        assert!(matches!(
            decode(&Bytes::from_static(&[9, 0])),
            Err(RecordError::Format(9))
        ));
        assert!(matches!(
            decode(&Bytes::from_static(&[1, 7])),
            Err(RecordError::Signal(7))
        ));
        assert!(matches!(
            decode(&Bytes::from_static(&[1, 0, 0x0a, 0x05, 1])),
            Err(RecordError::Request(_))
        ));
    }
}
