//! Lists of ids as callers hand them over: repeats removed, for `IN (…)` lists and for
//! ordered links.

/// Sorted, deduplicated ids for an `IN (…)` list.
pub(crate) fn unique(ids: &[i32]) -> Vec<i32> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `ids` without repeats, each where it first occurs.
pub(crate) fn first_occurrences(ids: &[i32]) -> Vec<i32> {
    let mut seen = Vec::with_capacity(ids.len());
    ids.iter()
        .copied()
        .filter(|id| {
            let first = !seen.contains(id);
            seen.push(*id);
            first
        })
        .collect()
}
