//! Array consistency: fields matched under one array of objects must take their values from
//! the same element of it (event-ruler's `ArrayMembership`).

use std::collections::BTreeMap;

/// One array element a leaf sits in: (array id, element index).
pub(crate) type Member = (u32, u32);

/// Where an event's leaves sit in its arrays, from the root down.
pub(crate) trait Memberships {
    fn membership(&self, leaf: usize) -> &[Member];
}

/// The `(start, len)` range of `members` that holds one leaf's membership.
pub(crate) fn members_of(members: &[Member], (start, len): (u32, u32)) -> &[Member] {
    members
        .get(start as usize..start as usize + len as usize)
        .unwrap_or(&[])
}

/// Whether one candidate per field can be picked with every pick in the same element of each
/// array they share (event-ruler's array consistency). All candidates sit in the same elements
/// of the first `depth` arrays on their way from the root.
///
/// Arrays nest as a tree, so this works level by level: a field with a candidate at this level
/// is satisfied; the others are grouped by the array they go through next. Groups going through
/// different arrays cannot conflict and are solved apart; a group going through one array needs
/// one element of it that satisfies the whole group one level down. Keys that alias one path
/// (`{"a.b": ..}` next to `{"a": {"b": ..}}`) can send a field through two arrays; such a
/// group falls back to a search over whole memberships.
pub(crate) fn consistent<E: Memberships + ?Sized>(
    fields: Vec<Vec<usize>>,
    depth: usize,
    event: &E,
) -> bool {
    let next_array = |leaf: usize| event.membership(leaf).get(depth).copied();
    let pending: Vec<Vec<usize>> = fields
        .into_iter()
        .filter(|candidates| candidates.iter().all(|&l| next_array(l).is_some()))
        .collect();
    if pending.len() <= 1 {
        return pending.iter().all(|c| !c.is_empty());
    }
    for group in groups_by_array(pending, |leaf| next_array(leaf).map(|(array, _)| array)) {
        let arrays: std::collections::BTreeSet<u32> = group
            .iter()
            .flatten()
            .filter_map(|&l| next_array(l))
            .map(|(array, _)| array)
            .collect();
        let satisfied = if arrays.len() == 1 {
            // Each field's candidates by element of the array; an element must hold a candidate
            // of every field of the group.
            let by_element: Vec<BTreeMap<u32, Vec<usize>>> = group
                .iter()
                .map(|candidates| {
                    let mut buckets: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
                    for &leaf in candidates {
                        if let Some((_, element)) = next_array(leaf) {
                            buckets.entry(element).or_default().push(leaf);
                        }
                    }
                    buckets
                })
                .collect();
            let Some(fewest) = by_element.iter().min_by_key(|b| b.len()) else {
                continue;
            };
            fewest.keys().any(|element| {
                let within: Option<Vec<Vec<usize>>> = by_element
                    .iter()
                    .map(|buckets| buckets.get(element).cloned())
                    .collect();
                within.is_some_and(|within| consistent(within, depth + 1, event))
            })
        } else {
            let mut group = group;
            group.sort_by_key(Vec::len);
            assign(&group, &mut Vec::with_capacity(group.len()), event)
        };
        if !satisfied {
            return false;
        }
    }
    true
}

/// Splits fields (given by their candidate leaves) into groups linked by a shared array.
fn groups_by_array(
    fields: Vec<Vec<usize>>,
    array_of: impl Fn(usize) -> Option<u32>,
) -> Vec<Vec<Vec<usize>>> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut parent: Vec<usize> = (0..fields.len()).collect();
    let mut owner: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (field, candidates) in fields.iter().enumerate() {
        for array in candidates.iter().filter_map(|&leaf| array_of(leaf)) {
            let other = *owner.entry(array).or_insert(field);
            let (a, b) = (root(&mut parent, field), root(&mut parent, other));
            parent[a] = b;
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<Vec<usize>>> =
        std::collections::BTreeMap::new();
    for (field, candidates) in fields.into_iter().enumerate() {
        let r = root(&mut parent, field);
        groups.entry(r).or_default().push(candidates);
    }
    groups.into_values().collect()
}

/// Picks one candidate per field so that all picks come from the same elements of any array they
/// share (event-ruler's array consistency).
pub(crate) fn assign<E: Memberships + ?Sized>(
    fields: &[Vec<usize>],
    chosen: &mut Vec<usize>,
    event: &E,
) -> bool {
    let Some((first, rest)) = fields.split_first() else {
        return true;
    };
    for &candidate in first {
        let membership = event.membership(candidate);
        if chosen
            .iter()
            .all(|&c| compatible(membership, event.membership(c)))
        {
            chosen.push(candidate);
            if assign(rest, chosen, event) {
                return true;
            }
            chosen.pop();
        }
    }
    false
}

/// True when two leaves can belong to one match: wherever they sit in the same array, they sit
/// in the same element.
fn compatible(a: &[Member], b: &[Member]) -> bool {
    a.iter().all(|&(array, index)| {
        b.iter()
            .all(|&(other, other_index)| other != array || other_index == index)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_requires_same_element_in_shared_arrays() {
        assert!(compatible(&[(0, 1)], &[(0, 1), (3, 0)]));
        assert!(!compatible(&[(0, 1)], &[(0, 2)]));
        assert!(compatible(&[(0, 1)], &[(1, 2)]));
        assert!(compatible(&[], &[(1, 2)]));
    }
}
