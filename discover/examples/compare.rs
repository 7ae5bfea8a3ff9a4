//! Discovery's inference against a registry's documents for the same event types, as a
//! Markdown table: for each type both have, the places of the detail where they agree, where
//! the samples show the registry wrong (a key it does not list, one it requires that is not
//! always there, a `null` or a type it does not admit), where the samples are narrower (an
//! integer where it says number, a timestamp where it says string), and what only the
//! registry lists, which no sample had.
//!
//! `cargo run -p bridgecraft-discover --example compare -- schemas/aws ../shared/corpus/events`

use std::path::PathBuf;

use bridgecraft_discover::Catalog;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [registry, samples] = args.as_slice() else {
        return Err("usage: compare REGISTRY_DIR SAMPLES...".into());
    };
    let registry = Catalog::read_documents(registry)?;
    let mut discovered = Catalog::new();
    discovered.read_paths(std::slice::from_ref(samples))?;
    let samples_of: std::collections::BTreeMap<(String, String), u64> = discovered
        .documents()
        .into_iter()
        .map(|document| ((document.source, document.detail_type), document.samples))
        .collect();

    println!(
        "| event type | samples | agree | the registry is wrong: the samples show | the samples are narrower | only the registry lists |"
    );
    println!("|---|---:|---:|---|---|---|");
    let mut totals = [0usize; 4];
    for (source, detail_type) in discovered.types() {
        let (Some(theirs), Some(ours)) = (
            registry.places(source, detail_type),
            discovered.places(source, detail_type),
        ) else {
            continue;
        };
        // The envelope is EventBridge's, the same for every type: compare the details.
        let detail = |path: &&String| path.starts_with("detail.") || path.starts_with("detail[");
        let (mut agree, mut wrong, mut narrower, mut only_theirs) =
            (0, Vec::new(), Vec::new(), Vec::new());
        for (path, place) in ours.iter().filter(|(path, _)| detail(path)) {
            let Some(their) = theirs.get(path) else {
                wrong.push(format!("`{path}` unlisted ({})", place.summary));
                continue;
            };
            let mut wrong_here = Vec::new();
            if their.summary != place.summary && their.summary != "any" {
                // An integer is a number, and a timestamp a string: the samples only say more.
                let refines = matches!(
                    (their.summary.as_str(), place.summary.as_str()),
                    ("number", "integer") | ("string", "string (date-time)")
                );
                match refines {
                    true => narrower.push(format!("`{path}` {}", place.summary)),
                    false => {
                        wrong_here.push(format!("{} (registry: {})", place.summary, their.summary))
                    }
                }
            }
            if their.required && !place.required {
                wrong_here.push("not always there".to_owned());
            }
            if place.nullable && !their.nullable {
                wrong_here.push("null".to_owned());
            }
            match (wrong_here.is_empty(), their.summary == place.summary) {
                (true, true) => agree += 1,
                (true, false) => {}
                (false, _) => wrong.push(format!("`{path}` {}", wrong_here.join(", "))),
            }
        }
        for path in theirs.keys().filter(detail) {
            // Below a place the samples saw as a map, the registry's keys are the map's.
            let covered = ours
                .keys()
                .any(|ours| ours.ends_with('*') && path.starts_with(ours.trim_end_matches('*')));
            if !ours.contains_key(path) && !covered {
                only_theirs.push(format!("`{path}`"));
            }
        }
        for (total, count) in
            totals
                .iter_mut()
                .zip([agree, wrong.len(), narrower.len(), only_theirs.len()])
        {
            *total += count;
        }
        let samples = samples_of[&(source.to_owned(), detail_type.to_owned())];
        let list = |items: &[String]| match items.len() {
            0 => String::new(),
            n if n > 3 => format!("{}; {} more", items[..3].join("; "), n - 3),
            _ => items.join("; "),
        };
        println!(
            "| `{source}` {detail_type} | {samples} | {agree} | {} | {} | {} |",
            list(&wrong),
            list(&narrower),
            list(&only_theirs)
        );
    }
    println!(
        "| **all** | | **{}** | **{}** | **{}** | **{}** |",
        totals[0], totals[1], totals[2], totals[3]
    );
    Ok(())
}
