//! Users' options for the generated types: attributes per type or field, their own types in
//! place of generated ones, and module names. Types are named by their path from the
//! generated module's root, as Rust names them (`com_example_orders::order_placed::Customer`),
//! fields and enum variants after a `.` by their Rust or JSON name.

use std::collections::{BTreeSet, HashMap};

use proc_macro2::TokenStream;

use crate::Error;
use crate::model::DefId;

/// The options as given, each with the path it applies to.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rules {
    pub type_attributes: Vec<(String, TokenStream)>,
    pub field_attributes: Vec<(String, TokenStream)>,
    /// A type or field, and the user's type to use in its place.
    pub extern_paths: Vec<(String, TokenStream)>,
    /// A source, and the name of its module.
    pub module_names: Vec<(String, String)>,
}

/// A generated type as the rules see it: its paths (a detail type has two, its file's and
/// its re-export beside the source's `Detail`), and its fields' or variants' names.
pub(crate) struct TypeInfo {
    pub id: DefId,
    pub paths: Vec<String>,
    /// `(Rust name, JSON name)` of each field or variant, in order.
    pub members: Vec<(String, String)>,
}

/// The options applied to the types they name.
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub type_attributes: HashMap<DefId, Vec<TokenStream>>,
    pub member_attributes: HashMap<(DefId, usize), Vec<TokenStream>>,
    pub extern_types: HashMap<DefId, TokenStream>,
    pub extern_fields: HashMap<(DefId, usize), TokenStream>,
}

/// Whether `pattern` names the type at `path` or a module it is in; `.` names every type.
fn names(pattern: &str, path: &str) -> bool {
    pattern == "."
        || path == pattern
        || path
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with("::"))
}

/// Splits `TYPE.MEMBER`; `None` when the path names no member.
fn split_member(pattern: &str) -> Option<(&str, &str)> {
    pattern
        .rsplit_once('.')
        .filter(|(ty, member)| !ty.is_empty() && !member.is_empty())
}

impl Resolved {
    /// Applies `rules` to `types`; a rule that names nothing is an error, so that a typo or a
    /// regenerated name does not silently drop an option.
    pub fn resolve(rules: &Rules, types: &[TypeInfo]) -> Result<Resolved, Error> {
        let mut resolved = Resolved::default();
        let unmatched = |option: &'static str, path: &str| Error::Unmatched {
            option,
            path: path.to_owned(),
        };
        for (pattern, attribute) in &rules.type_attributes {
            let mut found = false;
            for ty in types
                .iter()
                .filter(|ty| ty.paths.iter().any(|path| names(pattern, path)))
            {
                found = true;
                resolved
                    .type_attributes
                    .entry(ty.id)
                    .or_default()
                    .push(attribute.clone());
            }
            if !found {
                return Err(unmatched("type_attribute", pattern));
            }
        }
        for (pattern, attribute) in &rules.field_attributes {
            let members = members(pattern, types);
            if members.is_empty() {
                return Err(unmatched("field_attribute", pattern));
            }
            for member in members {
                resolved
                    .member_attributes
                    .entry(member)
                    .or_default()
                    .push(attribute.clone());
            }
        }
        for (pattern, rust_type) in &rules.extern_paths {
            let exact: Vec<DefId> = types
                .iter()
                .filter(|ty| ty.paths.iter().any(|path| path == pattern))
                .map(|ty| ty.id)
                .collect();
            let members = members(pattern, types);
            if exact.is_empty() && members.is_empty() {
                return Err(unmatched("extern_path", pattern));
            }
            for id in exact {
                resolved.extern_types.insert(id, rust_type.clone());
            }
            for member in members {
                resolved.extern_fields.insert(member, rust_type.clone());
            }
        }
        Ok(resolved)
    }
}

/// The fields or variants `TYPE.MEMBER` names.
fn members(pattern: &str, types: &[TypeInfo]) -> BTreeSet<(DefId, usize)> {
    let Some((type_pattern, member)) = split_member(pattern) else {
        return BTreeSet::new();
    };
    let mut found = BTreeSet::new();
    for ty in types {
        if !ty.paths.iter().any(|path| names(type_pattern, path)) {
            continue;
        }
        for (index, (rust, json)) in ty.members.iter().enumerate() {
            if rust.trim_start_matches("r#") == member || json == member {
                found.insert((ty.id, index));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_a_type_and_the_modules_it_is_in() {
        let path = "com_example_orders::order_placed::Customer";
        assert!(names(path, path));
        assert!(names("com_example_orders::order_placed", path));
        assert!(names("com_example_orders", path));
        assert!(names(".", path));
        assert!(!names("com_example", path), "not half a module's name");
        assert!(!names("com_example_orders::order_placed::Cust", path));
        assert_eq!(split_member("a::B.total"), Some(("a::B", "total")));
        assert_eq!(split_member("."), None);
    }
}
