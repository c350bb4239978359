//! Length-delimited fields written into messages rebuilt from scanned blocks.

/// Writes field `number` holding `payload`: a message, string or bytes value.
pub(super) fn put_field(out: &mut Vec<u8>, number: u32, payload: &[u8]) {
    put_header(out, number, payload.len());
    out.extend_from_slice(payload);
}

/// Writes the key and length of field `number`, for a payload of `len` bytes the caller writes next.
pub(super) fn put_header(out: &mut Vec<u8>, number: u32, len: usize) {
    put_varint(out, key(number));
    put_varint(out, len as u64);
}

/// Bytes that `put_field` writes for a payload of `len` bytes.
pub(super) fn field_len(number: u32, len: usize) -> usize {
    varint_len(key(number)) + varint_len(len as u64) + len
}

fn key(number: u32) -> u64 {
    u64::from(number) << 3 | 2
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn varint_len(value: u64) -> usize {
    // Seven bits a byte, and at least one byte for zero.
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}
