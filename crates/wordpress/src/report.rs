//! What an import did, for the summary `dateline import wordpress` prints: records created,
//! updated or unchanged by kind, items skipped and why, comments left out, and warnings
//! counted by kind.

use std::collections::BTreeMap;
use std::fmt;

/// How many records of one kind an import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// New in Dateline.
    pub created: usize,
    /// Imported before (or already in Dateline under the same slug) and written again.
    pub updated: usize,
    /// Imported before and not changed on WordPress since.
    pub unchanged: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// The summary of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub origin: String,
    pub authors: Counts,
    pub sections: Counts,
    pub tags: Counts,
    pub articles: Counts,
    /// Items not imported, counted by why.
    pub skipped: BTreeMap<String, usize>,
    /// Comments the posts carried; Dateline has none, so none are imported.
    pub comments: usize,
    /// Private posts, imported as drafts so that they never become public.
    pub private_as_drafts: usize,
    /// Password-protected posts, imported as drafts.
    pub protected_as_drafts: usize,
    /// Articles an earlier import of the site made whose posts this export lacks (deleted
    /// on WordPress, or left out of a filtered export): left as they are.
    pub missing_from_export: usize,
    /// Everything the import had to decide for the export, counted by what it was.
    pub warnings: BTreeMap<String, usize>,
}

/// The most warnings the summary lists one by one.
const LISTED_WARNINGS: usize = 40;

impl Report {
    /// Counts one warning.
    pub fn warn(&mut self, warning: impl Into<String>) {
        *self.warnings.entry(warning.into()).or_default() += 1;
    }

    /// Counts one skipped item.
    pub fn skip(&mut self, why: &str) {
        *self.skipped.entry(why.to_owned()).or_default() += 1;
    }

    /// How many warnings there were in all.
    pub fn warning_count(&self) -> usize {
        self.warnings.values().sum()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Imported from {}", self.origin)?;
        writeln!(f, "  authors:  {}", self.authors)?;
        writeln!(f, "  sections: {}", self.sections)?;
        writeln!(f, "  tags:     {}", self.tags)?;
        writeln!(f, "  articles: {}", self.articles)?;
        if self.private_as_drafts > 0 {
            writeln!(
                f,
                "  {} private posts imported as drafts (never public)",
                self.private_as_drafts
            )?;
        }
        if self.protected_as_drafts > 0 {
            writeln!(
                f,
                "  {} password-protected posts imported as drafts (never public)",
                self.protected_as_drafts
            )?;
        }
        if self.missing_from_export > 0 {
            writeln!(
                f,
                "  {} articles of an earlier import are not in this export (deleted on WordPress, \
                 or a filtered export): left as they are",
                self.missing_from_export
            )?;
        }
        let skipped: usize = self.skipped.values().sum();
        writeln!(f, "Skipped {skipped} items:")?;
        for (why, count) in &self.skipped {
            writeln!(f, "  {count} {why}")?;
        }
        writeln!(
            f,
            "Comments not imported: {} (Dateline has no comments)",
            self.comments
        )?;
        writeln!(f, "Warnings: {}", self.warning_count())?;
        for (warning, count) in self.warnings.iter().take(LISTED_WARNINGS) {
            writeln!(f, "  {count} × {warning}")?;
        }
        if self.warnings.len() > LISTED_WARNINGS {
            writeln!(
                f,
                "  … and {} more kinds",
                self.warnings.len() - LISTED_WARNINGS
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_skips_are_counted_by_kind() {
        let mut report = Report::default();
        report.warn("shortcode [foo] dropped");
        report.warn("shortcode [foo] dropped");
        report.skip("pages");
        report.comments = 3;
        let text = report.to_string();
        assert!(text.contains("2 × shortcode [foo] dropped"), "{text}");
        assert!(text.contains("1 pages"), "{text}");
        assert!(text.contains("Comments not imported: 3"), "{text}");
        assert_eq!(report.warning_count(), 2);
    }
}
