//! The identity of a dead-lettered message: a hash of the whole topic and payload as received
//! (what is stored of them may be cut), so that a redelivery is recorded once and two different
//! messages never collapse into one row.

use ring::digest::{Context, SHA256};

/// SHA-256 of the topic bytes, a 0 byte, the payload bytes: the `message_sha256` column
/// (migration 0005 computes the same for older rows with PostgreSQL's `sha256`).
pub fn message_sha256(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut ctx = Context::new(&SHA256);
    ctx.update(topic.as_bytes());
    ctx.update(&[0]);
    ctx.update(payload);
    ctx.finish().as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest_and_the_separator_matters() {
        // printf 'a/b\0xy' | sha256sum
        assert_eq!(
            hex::encode(message_sha256("a/b", b"xy")),
            "e2af3f84a0fbb5b664fed4bc2b61b5f3e4b092b947630eb4a812350574207bb7"
        );
        assert_ne!(message_sha256("a/b", b"xy"), message_sha256("a/bx", b"y"));
    }
}
