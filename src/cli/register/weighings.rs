//! `wasteflow register weighings --weighbridge ID FILE`: a weighbridge's tickets imported.

use super::Outcome;
use crate::config::Settings;
use crate::report::register::weighings::{import, parse, WeighingsError};
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// Exit 0 when stored (or already there), 65 (EX_DATAERR) when the file or a ticket is
/// refused: nothing is stored then, and every problem is listed.
pub async fn run(weighbridge: &str, file: &Path, settings: Settings) -> Outcome {
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
    };
    let tickets = match parse(&text) {
        Ok(t) => t,
        Err(problems) => {
            eprintln!("error: {}: nothing imported; {} problem(s):", file.display(), problems.len());
            for p in &problems {
                eprintln!("  {p}");
            }
            return Ok(ExitCode::from(EX_DATAERR));
        }
    };
    let mut db = crate::store::connect(&settings.database).await?;
    let imported = import(&mut db.client, weighbridge, &tickets).await;
    db.close().await;
    match imported {
        Ok(done) => {
            eprintln!("weighbridge {weighbridge}: {} ticket(s) imported, {} already there", done.added, done.already);
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ (WeighingsError::Refused(_) | WeighingsError::NoWeighbridge { .. })) => {
            eprintln!("error: {}: {e}", file.display());
            Ok(ExitCode::from(EX_DATAERR))
        }
        Err(e) => Err(e.into()),
    }
}

/// sysexits.h: the input data was incorrect.
const EX_DATAERR: u8 = 65;
