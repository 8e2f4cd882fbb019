//! `wasteflow encode` and `wasteflow decode`: a frame between its JSON form and its hex bytes
//! (docs/wire-format.md), from stdin or the argument to stdout.

use super::EX_USAGE;
use crate::wire::{self, DecodeError};
use std::io::Read;
use std::process::ExitCode;

/// Why a frame could not be converted: the line printed after "error:".
#[derive(Debug, thiserror::Error)]
enum FrameTextError {
    #[error("cannot read stdin: {0}")]
    Stdin(std::io::Error),
    #[error("not a JSON frame: {0}")]
    NotJson(serde_json::Error),
    #[error("not hex: {0}")]
    NotHex(hex::FromHexError),
    /// The bytes are not a frame; with the reason a dead letter would carry.
    #[error("{} ({})", .0, .0.reason())]
    NotAFrame(DecodeError),
    #[error(transparent)]
    Json(serde_json::Error),
}

fn read_stdin() -> Result<String, FrameTextError> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(FrameTextError::Stdin)?;
    Ok(s)
}

/// A JSON frame on stdin, its hex bytes on stdout.
pub(super) fn encode() -> ExitCode {
    let result = read_stdin().and_then(|text| {
        let frame: wire::Frame = serde_json::from_str(&text).map_err(FrameTextError::NotJson)?;
        Ok(hex::encode(wire::encode(&frame)))
    });
    match result {
        Ok(h) => {
            println!("{h}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EX_USAGE)
        }
    }
}

/// Hex bytes (the argument, or stdin) to the frame in JSON on stdout.
pub(super) fn decode(arg: Option<String>) -> ExitCode {
    let result = arg.map(Ok).unwrap_or_else(read_stdin).and_then(|h| {
        let clean: String = h.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = hex::decode(clean).map_err(FrameTextError::NotHex)?;
        let frame = wire::decode(&bytes).map_err(FrameTextError::NotAFrame)?;
        serde_json::to_string_pretty(&frame).map_err(FrameTextError::Json)
    });
    match result {
        Ok(j) => {
            println!("{j}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
