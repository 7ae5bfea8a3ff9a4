//! Turns EventBridge schema-registry documents into serde types.
//!
//! The input is one document per event type, in the formats the registry exports (OpenAPI 3 or
//! JSONSchemaDraft4), as `aws schemas export-schema` or `bridgecraft discover` writes them.
//! The output is a Rust module tree: a module per source with a file per detail type, a
//! `Detail` enum per source and one over all sources, and the Cargo features that turn each
//! source on. Generation is pure and deterministic: the same documents give the same bytes,
//! whatever order they are read in.
//!
//! # In your own build
//!
//! A `build.rs` generates the types of your own schemas into `OUT_DIR`, with
//! `bridgecraft-codegen` as a build dependency and `bridgecraft-events` as the only
//! dependency the generated code needs:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), bridgecraft_codegen::Error> {
//!     let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("events.rs");
//!     bridgecraft_codegen::Config::new()
//!         .events_crate("::bridgecraft_events")?
//!         .module_root("crate::events")?
//!         .feature_gates(false)
//!         .derive("com_example_orders::order_placed::Status", "Default")?
//!         .field_attribute("com_example_orders::order_placed::Status.placed", "#[default]")?
//!         .extern_path("com_example_orders::order_placed::Money", "crate::Money")?
//!         .emit_rerun_if_changed(true)
//!         .compile("schemas", &out)?;
//!     Ok(())
//! }
//! ```
//!
//! ```ignore
//! // src/lib.rs
//! pub mod events {
//!     include!(concat!(env!("OUT_DIR"), "/events.rs"));
//! }
//! ```
//!
//! [`compile`](Config::compile) writes one file, and only when its text changed, so that a
//! build whose schemas did not change recompiles nothing; with
//! [`emit_rerun_if_changed`](Config::emit_rerun_if_changed) it tells Cargo to run the build
//! script again only when a schema changes. Code that is checked in is better generated into
//! a module tree with [`generate`](Config::generate) and [`Output::write_to`], as
//! `bridgecraft generate --schemas DIR --out DIR` and this repository's `cargo xtask regen` do.
//!
//! Options name generated types by their path from the generated module's root, as Rust names
//! them: `com_example_orders::order_placed::Customer` (a source's module, the event's file, the
//! type), a detail type also as `com_example_orders::OrderPlaced`; a module's path names every
//! type in it, and `.` names every type. A field or an enum variant follows a `.`, by its Rust
//! or its JSON name. An option that names nothing is an error, so that a typo or a renamed
//! type does not silently drop it.
//!
//! # Unions
//!
//! A `oneOf` or `anyOf` of records that one property tells apart becomes an enum: each member
//! declares the property with one string (a `const`, or an `enum` of one value), or an OpenAPI
//! `discriminator` names the property and maps its values (a member it does not map is named
//! after its schema), and no two members share a value. Each variant is named after its tag
//! value (`kind: "bank_transfer"` is `BankTransfer`) and holds the member's record (boxed when
//! large); `Unknown` keeps, as it came, an object whose tag no member has or that has none, and
//! reports it as drift. Other unions of records merge into one record with every field
//! optional; a union of one type is that type, and any other is any JSON.
//!
//! Registry schemas are inferred from sample events and are sometimes wrong about real ones.
//! A [`Fix`] corrects one property of one schema, with the reason; a fix that no longer matches
//! anything is an error, so fixes cannot silently go stale.

mod emit;
mod model;
mod rules;
mod schema;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

pub use emit::HEADER;
pub use schema::{Document, read_dir};

/// What can go wrong reading schemas or writing code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not valid JSON: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// A document that is JSON but not a schema this generator understands.
    #[error("{}: at `{pointer}`: {message}", path.display())]
    Schema {
        path: PathBuf,
        pointer: String,
        message: String,
    },
    #[error("`{path}` is not a Rust path: {message}")]
    Path { path: String, message: String },
    /// An option's attribute, type or module name that does not parse.
    #[error("`{text}` is not {what}: {message}")]
    Syntax {
        what: &'static str,
        text: String,
        message: String,
    },
    /// An option whose path names no generated type, field or source.
    #[error("{option}(\"{path}\") names nothing that is generated")]
    Unmatched { option: &'static str, path: String },
    /// Two sources whose modules would have one name.
    #[error(
        "source `{event_source}` would be module `{module}`, which another source has: give one a `module_name`"
    )]
    ModuleClash {
        module: String,
        event_source: String,
    },
    #[error("{0} matches no property of any schema: remove it or correct it")]
    StaleFix(String),
    /// A line of an ARN template table that is not `TYPE<TAB>TEMPLATE`.
    #[error("{}: line {line}: {message}", path.display())]
    Templates {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("two documents define source `{event_source}` detail-type `{detail_type}`: {} and {}", first.display(), second.display())]
    DuplicateEvent {
        event_source: String,
        detail_type: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// A correction to one property of a registry schema, for where real events disagree with it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    /// The event source whose documents it applies to; every source when absent.
    #[serde(default)]
    pub source: Option<String>,
    /// The schema's name in its document (`components.schemas` or `definitions`).
    pub schema: String,
    /// The properties' JSON keys.
    pub properties: Vec<String>,
    /// Evidence beyond the registry's samples (AWS's documentation) says every event has it:
    /// the field is not an `Option`, and an event without it is not of this type.
    #[serde(default)]
    pub required: bool,
    /// Real events send `null`.
    #[serde(default)]
    pub nullable: bool,
    /// Real events send another type: this schema replaces the property's. For a property the
    /// registry's schema does not list, AWS documents it and real events send it: it is added.
    #[serde(default, rename = "type")]
    pub replacement: Option<Value>,
    /// The property identifies a resource of this CloudFormation type that the registry does
    /// not name there (it names some by type alone): the event is about it too.
    #[serde(default)]
    pub related: Option<String>,
    /// Why: the real events or documentation that show the schema wrong.
    pub why: String,
}

impl Fix {
    fn applies_to(&self, source: &str, schema: &str, property: &str) -> bool {
        self.schema == schema
            && self.properties.iter().any(|p| p == property)
            && self.source.as_deref().is_none_or(|s| s == source)
    }

    fn describe(&self, property: &str) -> String {
        let source = self.source.as_deref().unwrap_or("any");
        format!("the fix of `{}.{property}` (source {source})", self.schema)
    }
}

fn parse_path(path: &str) -> Result<syn::Path, Error> {
    syn::parse_str(path).map_err(|e| Error::Path {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

fn syntax_error(what: &'static str, text: &str, error: syn::Error) -> Error {
    Error::Syntax {
        what,
        text: text.to_owned(),
        message: error.to_string(),
    }
}

/// Outer attributes, such as `#[derive(Hash)]` or `#[serde(default)] #[doc = "..."]`.
fn parse_attributes(text: &str) -> Result<proc_macro2::TokenStream, Error> {
    use syn::parse::Parser;
    let attributes = syn::Attribute::parse_outer
        .parse_str(text)
        .map_err(|e| syntax_error("an attribute", text, e))?;
    Ok(quote::quote!(#(#attributes)*))
}

/// Reads a JSON array of [`Fix`]es.
pub fn read_fixes(path: &Path) -> Result<Vec<Fix>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Json {
        path: path.to_owned(),
        source,
    })
}

/// Reads a table of ARN templates: a line per CloudFormation type, `TYPE<TAB>TEMPLATE`, such as
/// `AWS::SQS::Queue<TAB>arn:${Partition}:sqs:${Region}:${Account}:${QueueName}`; lines
/// starting with `#` are comments.
pub fn read_arn_templates(path: &Path) -> Result<Vec<(String, String)>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut templates = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |message: &str| Error::Templates {
            path: path.to_owned(),
            line: index + 1,
            message: message.to_owned(),
        };
        let (kind, template) = line
            .split_once('\t')
            .ok_or_else(|| fail("expected a CloudFormation type, a tab and an ARN template"))?;
        if !template.starts_with("arn:") || template.split(':').count() < 6 {
            return Err(fail("the template is not an ARN"));
        }
        templates.push((kind.to_owned(), template.to_owned()));
    }
    Ok(templates)
}

/// How to generate. Options add up; the defaults generate the events crate's own modules
/// from every document as it is.
#[derive(Clone, Debug)]
pub struct Config {
    fixes: Vec<Fix>,
    paths: emit::Paths,
    cloudtrail: bool,
    rules: rules::Rules,
    rerun_if_changed: bool,
    arn_templates: BTreeMap<String, String>,
}

/// The CloudTrail record as a registry document: the record contents CloudTrail documents.
const CLOUDTRAIL: &str = include_str!("cloudtrail.json");

impl Default for Config {
    fn default() -> Self {
        Self {
            fixes: Vec::new(),
            cloudtrail: true,
            arn_templates: BTreeMap::new(),
            paths: emit::Paths {
                events_crate: syn::parse_quote!(crate),
                module_root: syn::parse_quote!(crate::generated),
                feature_gates: true,
                plain: false,
                header: HEADER.to_owned(),
            },
            rules: rules::Rules::default(),
            rerun_if_changed: false,
        }
    }
}

impl Config {
    /// The configuration that generates the events crate's own modules; set
    /// [`events_crate`](Self::events_crate) and [`module_root`](Self::module_root) to generate
    /// types in another crate.
    pub fn new() -> Self {
        Self::default()
    }

    /// The path to the `bridgecraft-events` crate from the generated code: `crate` (the
    /// default) inside it, `::bridgecraft_events` (or `::bridgecraft::events` through the
    /// facade) for types generated in another crate. Outside the events crate, generated code
    /// reaches `serde` and `serde_json` through it too, so it needs no other dependency.
    pub fn events_crate(mut self, path: &str) -> Result<Self, Error> {
        self.paths.events_crate = parse_path(path)?;
        Ok(self)
    }

    /// The path of the module the generated `mod.rs` becomes: `crate::generated` by default.
    pub fn module_root(mut self, path: &str) -> Result<Self, Error> {
        self.paths.module_root = parse_path(path)?;
        Ok(self)
    }

    /// Applies a correction to the schemas.
    pub fn fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    /// Applies several corrections.
    pub fn fixes(mut self, fixes: impl IntoIterator<Item = Fix>) -> Self {
        self.fixes.extend(fixes);
        self
    }

    /// Whether each source's module is behind a Cargo feature named after the source (the
    /// default), or always compiled.
    pub fn feature_gates(mut self, gate: bool) -> Self {
        self.paths.feature_gates = gate;
        self
    }

    /// Whether records are plain `serde` derives, every field an `Option`, with nothing kept
    /// beside them: strict types that fail on a value of another type and drop unlisted keys.
    /// Off by default; the tolerant records are what real events need, and these are the
    /// baseline they are measured against.
    pub fn plain(mut self, plain: bool) -> Self {
        self.paths.plain = plain;
        self
    }

    /// Whether the detail of every event CloudTrail sends ("AWS API Call via CloudTrail", "AWS
    /// Service Event via CloudTrail", "AWS Console Sign In via CloudTrail", "AWS Console Action
    /// via CloudTrail") is the CloudTrail record as CloudTrail documents it (the default),
    /// generated once in a `cloudtrail` module, rather than what the event's own schema saw in
    /// one sample.
    pub fn cloudtrail_record(mut self, documented: bool) -> Self {
        self.cloudtrail = documented;
        self
    }

    /// Adds `attribute` (one or more outer attributes, such as `#[derive(Hash)]`) to the
    /// types `path` names: a type, every type of a module, or `.` for all. Options add up.
    ///
    /// Records derive `Clone, Debug, Default, PartialEq` and keep what did not fit in an
    /// `Extra`, which is not `Eq` or `Hash`; string enums derive `Eq`, `Hash` and `Ord` too.
    pub fn type_attribute(mut self, path: &str, attribute: &str) -> Result<Self, Error> {
        let attribute = parse_attributes(attribute)?;
        self.rules
            .type_attributes
            .push((path.to_owned(), attribute));
        Ok(self)
    }

    /// Derives `derives` (such as `"Default"` or `"PartialOrd, Ord"`) for the types `path`
    /// names: a [`type_attribute`](Self::type_attribute) of `#[derive(...)]`.
    pub fn derive(self, path: &str, derives: &str) -> Result<Self, Error> {
        let attribute = format!("#[derive({derives})]");
        self.type_attribute(path, &attribute)
    }

    /// Adds `attribute` to the fields or enum variants `path` names: a type's path (or a
    /// module's, for that member of every type in it), a `.` and the member's Rust or JSON
    /// name, such as `com_example_orders::order_placed::OrderPlaced.total` or
    /// `...::Status.placed`.
    pub fn field_attribute(mut self, path: &str, attribute: &str) -> Result<Self, Error> {
        let attribute = parse_attributes(attribute)?;
        self.rules
            .field_attributes
            .push((path.to_owned(), attribute));
        Ok(self)
    }

    /// Uses your own `rust_type` instead of generating the type at `path`, or as the type of
    /// the field at `path` (`TYPE.FIELD`), as prost's `extern_path` does. What only that type
    /// reached is not generated either.
    ///
    /// The type decodes tolerantly like generated ones: it implements
    /// `bridgecraft_events::Tolerant` (a type with serde's derives gets it from
    /// `bridgecraft_events::tolerant_via_serde!`), and `Clone`, `Debug` and `PartialEq`.
    pub fn extern_path(mut self, path: &str, rust_type: &str) -> Result<Self, Error> {
        let ty: syn::Type =
            syn::parse_str(rust_type).map_err(|e| syntax_error("a Rust type", rust_type, e))?;
        self.rules
            .extern_paths
            .push((path.to_owned(), quote::quote!(#ty)));
        Ok(self)
    }

    /// Names the module of `source`'s types: `module` instead of the source with its
    /// punctuation as `_` (`com_example_orders`).
    pub fn module_name(mut self, source: &str, module: &str) -> Result<Self, Error> {
        let ident: syn::Ident =
            syn::parse_str(module).map_err(|e| syntax_error("a module name", module, e))?;
        self.rules
            .module_names
            .push((source.to_owned(), ident.to_string()));
        Ok(self)
    }

    /// The command every generated file's first line names as the one that makes it:
    /// `cargo xtask regen` by default.
    pub fn generated_by(mut self, command: &str) -> Self {
        self.paths.header = format!("// @generated by `{command}`: do not edit by hand.\n");
        self
    }

    /// Whether [`compile`](Self::compile) prints `cargo:rerun-if-changed` for the schema
    /// folder and each of its documents, so that a build script runs again only when a schema
    /// changes. Off by default; turn it on in a `build.rs`.
    pub fn emit_rerun_if_changed(mut self, emit: bool) -> Self {
        self.rerun_if_changed = emit;
        self
    }

    /// Generates the types of every document below `schemas` into one file, `out` (for
    /// `include!`), written only when its text changed. Returns whether it was written.
    pub fn compile(&self, schemas: impl AsRef<Path>, out: impl AsRef<Path>) -> Result<bool, Error> {
        let (schemas, out) = (schemas.as_ref(), out.as_ref());
        let mut files = Vec::new();
        files_with_extension(schemas, "json", &mut files)?;
        files.sort();
        if self.rerun_if_changed {
            println!("cargo:rerun-if-changed={}", schemas.display());
            for file in &files {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
        let documents = files
            .iter()
            .map(|path| Document::read(path))
            .collect::<Result<Vec<_>, _>>()?;
        let text = self.generate(documents)?.single_file();
        if std::fs::read_to_string(out).ok().as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        ensure_file_contents(out, &text)?;
        Ok(true)
    }

    /// The ARN template of each CloudFormation type, by type (see [`read_arn_templates`]). A
    /// related resource whose property is the one value its type's template needs gets the
    /// template, so that its ARN can be built; and the events crate gets the whole table in
    /// `arn_templates.rs`, by which an ARN finds its type. For the events crate only.
    pub fn arn_templates(mut self, templates: impl IntoIterator<Item = (String, String)>) -> Self {
        self.arn_templates.extend(templates);
        self
    }

    /// Generates the code for `documents`.
    pub fn generate(&self, mut documents: Vec<Document>) -> Result<Output, Error> {
        documents.sort_by(|a, b| {
            (&a.source, &a.detail_type, &a.path).cmp(&(&b.source, &b.detail_type, &b.path))
        });
        for pair in documents.windows(2) {
            if (&pair[0].source, &pair[0].detail_type) == (&pair[1].source, &pair[1].detail_type) {
                return Err(Error::DuplicateEvent {
                    event_source: pair[0].source.clone(),
                    detail_type: pair[0].detail_type.clone(),
                    first: pair[0].path.clone(),
                    second: pair[1].path.clone(),
                });
            }
        }
        let cloudtrail = match self.cloudtrail {
            true => Some(Document::parse(
                Path::new("codegen/src/cloudtrail.json"),
                CLOUDTRAIL,
            )?),
            false => None,
        };
        let space = model::TypeSpace::build(documents, &self.fixes, cloudtrail.as_ref())?;
        let mut emitter = emit::Emitter::new(&space, &self.paths, &self.arn_templates);
        emitter.apply(&self.rules)?;
        Ok(Output {
            files: emitter.files(),
            features: emitter.features(),
        })
    }
}

/// Generated code: files by path, and the Cargo features that gate them.
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// Rust files, by path relative to the generated module's folder (`mod.rs`,
    /// `aws_ec2/mod.rs`, …).
    pub files: BTreeMap<String, String>,
    /// `(feature, the features it turns on)`, for the crate's `[features]` table.
    pub features: Vec<(String, Vec<String>)>,
}

/// What writing changed.
#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    /// Files written because they were new or different.
    pub written: Vec<PathBuf>,
    /// Stale files removed.
    pub removed: Vec<PathBuf>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.written.is_empty() && self.removed.is_empty()
    }
}

impl Output {
    /// The files as one, each module inline where its parent declares it, for `include!`:
    /// the root's inner doc comment is left out, since an included file cannot have one.
    pub fn single_file(&self) -> String {
        let root = self
            .files
            .get("mod.rs")
            .map(String::as_str)
            .unwrap_or_default();
        let mut lines = root.lines();
        let header = lines.next().unwrap_or_default();
        let body: String = lines
            .skip_while(|line| line.starts_with("//!"))
            .map(|line| format!("{line}\n"))
            .collect();
        format!("{header}\n{}", self.inline_modules(&body, ""))
    }

    /// `text` with each `pub mod NAME;` replaced by the module's own file, inline; `dir` is
    /// the folder of the file `text` comes from.
    fn inline_modules(&self, text: &str, dir: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for line in text.lines() {
            let declared = line
                .trim_start()
                .strip_prefix("pub mod ")
                .and_then(|rest| rest.strip_suffix(';'));
            let child = declared.and_then(|name| {
                let file = format!("{dir}{name}.rs");
                let folder = format!("{dir}{name}/mod.rs");
                let path = match self.files.contains_key(&file) {
                    true => file,
                    false => folder,
                };
                self.files
                    .get(&path)
                    .map(|code| (name, code, format!("{dir}{name}/")))
            });
            let Some((name, code, child_dir)) = child else {
                out.push_str(line);
                out.push('\n');
                continue;
            };
            let indent = &line[..line.len() - line.trim_start().len()];
            // The child's own text, without the header line every file starts with.
            let body: String = code
                .lines()
                .skip(1)
                .map(|line| format!("{line}\n"))
                .collect();
            out.push_str(&format!("{indent}pub mod {name} {{\n"));
            for inner in self.inline_modules(&body, &child_dir).lines() {
                match inner.is_empty() {
                    true => out.push('\n'),
                    false => out.push_str(&format!("{indent}    {inner}\n")),
                }
            }
            out.push_str(&format!("{indent}}}\n"));
        }
        out
    }

    /// The `[features]` table, as TOML.
    pub fn features_toml(&self) -> String {
        let mut toml = String::from("[features]\ndefault = []\n");
        for (feature, enables) in &self.features {
            let enables: Vec<String> = enables.iter().map(|f| format!("\"{f}\"")).collect();
            toml.push_str(&format!("{feature} = [{}]\n", enables.join(", ")));
        }
        toml
    }

    /// Compares with what is in `dir` without writing: the changes writing would make.
    pub fn diff(&self, dir: &Path) -> Result<Changes, Error> {
        self.sync(dir, false)
    }

    /// Writes the files below `dir`, each only if it changed, and removes `.rs` files the
    /// output no longer has.
    pub fn write_to(&self, dir: &Path) -> Result<Changes, Error> {
        self.sync(dir, true)
    }

    fn sync(&self, dir: &Path, write: bool) -> Result<Changes, Error> {
        let mut changes = Changes::default();
        for (relative, contents) in &self.files {
            let path = dir.join(relative);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
                if write {
                    ensure_file_contents(&path, contents)?;
                }
                changes.written.push(path);
            }
        }
        for (relative, path) in rust_files(dir)? {
            if !self.files.contains_key(&relative) {
                if write {
                    std::fs::remove_file(&path).map_err(|source| Error::Io {
                        path: path.clone(),
                        source,
                    })?;
                }
                changes.removed.push(path);
            }
        }
        Ok(changes)
    }
}

/// Writes `contents` to `path`, creating its folder.
pub fn ensure_file_contents(path: &Path, contents: &str) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, contents).map_err(io)
}

/// The `.rs` files below `dir` (none when it does not exist), by path relative to it.
fn rust_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let mut paths = Vec::new();
    if dir.exists() {
        files_with_extension(dir, "rs", &mut paths)?;
    }
    Ok(paths
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            (relative, path)
        })
        .collect())
}

/// Every file below `dir` whose name ends in `.{extension}`, at any depth.
pub(crate) fn files_with_extension(
    dir: &Path,
    extension: &str,
    paths: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let io = |source| Error::Io {
        path: dir.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            files_with_extension(&path, extension, paths)?;
        } else if path.extension().is_some_and(|ext| ext == extension) {
            paths.push(path);
        }
    }
    Ok(())
}

/// The public API of generated files, a line per item: each type (`aws_ec2::Detail`), each
/// field with its type (`aws_ec2::ec2_instance_state_change_notification::State...`), each
/// enum variant. Comparing two of them shows what a regeneration adds and removes, so that one
/// that breaks users is seen in review.
pub fn public_api(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut api = BTreeSet::new();
    for (path, code) in files {
        let module = path
            .trim_end_matches(".rs")
            .trim_end_matches("/mod")
            .trim_end_matches("mod")
            .trim_end_matches('/')
            .replace('/', "::");
        let Ok(file) = syn::parse_file(code) else {
            continue;
        };
        let prefix = if module.is_empty() {
            String::new()
        } else {
            format!("{module}::")
        };
        for item in file.items {
            match item {
                syn::Item::Struct(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                    let name = format!("{prefix}{}", item.ident);
                    for field in &item.fields {
                        if let (Some(ident), syn::Visibility::Public(_)) =
                            (&field.ident, &field.vis)
                        {
                            let ty = &field.ty;
                            let ty = quote::quote!(#ty).to_string().replace(' ', "");
                            api.insert(format!("{name}.{ident}: {ty}"));
                        }
                    }
                    api.insert(name);
                }
                syn::Item::Enum(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                    let name = format!("{prefix}{}", item.ident);
                    for variant in &item.variants {
                        api.insert(format!("{name}::{}", variant.ident));
                    }
                    api.insert(name);
                }
                syn::Item::Macro(item) => api.extend(string_enum_api(&prefix, &item.mac.tokens)),
                _ => {}
            }
        }
    }
    api
}

/// The enum and variants a `string_enum!` invocation declares.
fn string_enum_api(prefix: &str, tokens: &proc_macro2::TokenStream) -> Vec<String> {
    use proc_macro2::TokenTree;
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let Some(position) = tokens
        .iter()
        .position(|token| matches!(token, TokenTree::Ident(ident) if ident == "enum"))
    else {
        return Vec::new();
    };
    let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(body))) =
        (tokens.get(position + 1), tokens.get(position + 2))
    else {
        return Vec::new();
    };
    let name = format!("{prefix}{name}");
    let body: Vec<TokenTree> = body.stream().into_iter().collect();
    let mut api: Vec<String> = body
        .windows(2)
        .filter_map(|pair| match pair {
            [TokenTree::Ident(variant), TokenTree::Punct(punct)] if punct.as_char() == '=' => {
                Some(format!("{name}::{variant}"))
            }
            _ => None,
        })
        .collect();
    api.push(name);
    api
}

impl Output {
    /// What writing to `dir` would add to and remove from the public API of the files there.
    pub fn api_changes(&self, dir: &Path) -> Result<(Vec<String>, Vec<String>), Error> {
        let mut old = BTreeMap::new();
        for (relative, path) in rust_files(dir)? {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            old.insert(relative, text);
        }
        let (old, new) = (public_api(&old), public_api(&self.files));
        Ok((
            new.difference(&old).cloned().collect(),
            old.difference(&new).cloned().collect(),
        ))
    }
}
