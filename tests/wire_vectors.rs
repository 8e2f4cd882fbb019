//! Checks every test vector of docs/wire-format.md against the encoder and decoder.

use wasteflow::wire::{decode, encode, Frame};

#[test]
fn documented_vectors_hold() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/wire-format.md")).unwrap();
    let mut json: Option<String> = None;
    let mut reject: Option<String> = None;
    let (mut encoded, mut rejected) = (0, 0);
    for line in doc.lines() {
        if let Some(j) = line.strip_prefix("json: ") {
            json = Some(j.to_string());
        } else if let Some(r) = line.strip_prefix("reject: ") {
            reject = Some(r.trim().to_string());
        } else if let Some(h) = line.strip_prefix("hex:") {
            let bytes = hex::decode(h.trim()).unwrap_or_else(|e| panic!("bad hex {h}: {e}"));
            if let Some(j) = json.take() {
                let frame: Frame = serde_json::from_str(&j).unwrap();
                assert_eq!(hex::encode(encode(&frame)), h.trim(), "encoding of {j}");
                assert_eq!(decode(&bytes).unwrap(), frame, "decoding of {h}");
                encoded += 1;
            } else if let Some(reason) = reject.take() {
                let err = decode(&bytes).expect_err(&format!("{h} must be rejected"));
                assert_eq!(err.reason().code(), reason, "{h}: {err}");
                rejected += 1;
            } else {
                panic!("hex line without a json: or reject: line before it: {line}");
            }
        }
    }
    assert_eq!((encoded, rejected), (5, 7), "every vector of the document was checked");
}
