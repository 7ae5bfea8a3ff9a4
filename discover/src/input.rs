//! The files samples and documents are read from.

use std::path::{Path, PathBuf};

/// The extensions of files that hold samples: one JSON value, or JSON lines.
pub const SAMPLE_EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson"];

/// The files `paths` name: each path that is not a folder, and the files below each folder
/// whose extension is one of `extensions`, sorted. A path that does not exist is kept, so
/// that opening it reports the error.
pub fn files(paths: &[PathBuf], extensions: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            collect(path, extensions, &mut found);
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    files
}

fn collect(dir: &Path, extensions: &[&str], files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        files.push(dir.to_owned());
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extensions, files);
        } else if path
            .extension()
            .is_some_and(|ext| extensions.iter().any(|wanted| ext == *wanted))
        {
            files.push(path);
        }
    }
}
