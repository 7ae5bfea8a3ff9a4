//! The project's chores: `cargo xtask import-aws` and `cargo xtask regen`.

mod import_aws;
mod regen;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  cargo xtask import-aws [--package FILE] [--version VERSION]
      Writes schemas/aws/ from @aws-cdk/aws-service-spec: the version in schemas/aws/VERSION,
      fetched with `npm pack`, unless --version names another or --package gives the .tgz
      (or its db.json.gz) already on disk.
  cargo xtask regen [--check]
      Generates events/src/generated/ and the events crate's features from schemas/;
      with --check, changes nothing and fails if the checked-in code is stale.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("import-aws") => import_aws::run(&args[1..]),
        Some("regen") => regen::run(&args[1..]),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

/// The value after `flag` in `args`, if the flag is there.
fn flag_value<'a>(args: &'a [String], flag: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|arg| arg == flag) {
        None => Ok(None),
        Some(index) => args
            .get(index + 1)
            .map(|value| Some(value.as_str()))
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}")),
    }
}
