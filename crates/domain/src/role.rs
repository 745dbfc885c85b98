//! Who on the staff may do what: roles, the actions they are checked for, and the one
//! newsroom setting that changes the answer.

use std::fmt;
use std::str::FromStr;

use crate::ArticleStatus;

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including staff accounts, sections and settings.
    Admin,
    /// Any article, and the tags, sources and author profiles articles use.
    Editor,
    /// Their own articles; publishes them only if the newsroom allows it.
    Author,
    /// Their own drafts only.
    Contributor,
}

/// Something done to one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleAction {
    /// Start a new draft.
    Create,
    /// Read it while it is not public: drafts, revisions, the trash, previews.
    Read,
    /// Change its content.
    Edit,
    /// Ask an editor to review it.
    SubmitForReview,
    /// Publish, schedule, unpublish or archive it.
    Publish,
    /// Move it to the trash or back.
    Delete,
    /// Add a public correction note.
    Correct,
}

/// Something done to the newsroom rather than to one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeskAction {
    /// Create, change, move and delete sections.
    ManageSections,
    /// Create, change, merge and delete tags.
    ManageTags,
    /// Create, change and delete sources.
    ManageSources,
    /// Create, change and delete public author profiles.
    ManageAuthors,
    /// Create staff accounts and change the newsroom's settings.
    ManageStaff,
    /// Read every unpublished article, not only one's own.
    ReadAllDrafts,
    /// Put any author's byline on an article, not only one's own.
    AssignBylines,
}

/// The newsroom's settings that bear on permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Authors may publish, schedule, unpublish and archive their own articles.
    pub authors_can_publish: bool,
}

/// The article an action is about, as far as permissions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleFacts {
    /// The person acting created it.
    pub own: bool,
    pub status: ArticleStatus,
}

/// A stored role string that names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Self; 4] = [Self::Admin, Self::Editor, Self::Author, Self::Contributor];

    /// The stable lowercase name stored in the database and accepted by the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Editor => "editor",
            Self::Author => "author",
            Self::Contributor => "contributor",
        }
    }

    /// Whether this role may do `action` to the newsroom.
    pub fn may(self, action: DeskAction) -> bool {
        match action {
            DeskAction::ManageSections | DeskAction::ManageStaff => self == Self::Admin,
            DeskAction::ManageTags
            | DeskAction::ManageSources
            | DeskAction::ManageAuthors
            | DeskAction::ReadAllDrafts
            | DeskAction::AssignBylines => matches!(self, Self::Admin | Self::Editor),
        }
    }

    /// Whether this role may do `action` to `article` under `policy`. For
    /// [`ArticleAction::Create`], `article` describes the draft about to exist.
    pub fn may_on_article(
        self,
        action: ArticleAction,
        article: ArticleFacts,
        policy: Policy,
    ) -> bool {
        use ArticleAction::*;
        match self {
            Self::Admin | Self::Editor => true,
            Self::Author => {
                let publishes = policy.authors_can_publish;
                article.own
                    && match action {
                        Create | Read | SubmitForReview => true,
                        // Changing, trashing or restoring what the public reads (or will
                        // read at its scheduled time) is publishing.
                        Edit | Delete => publishes || !is_public_record(article.status),
                        Publish | Correct => publishes,
                    }
            }
            Self::Contributor => {
                article.own
                    && match action {
                        // Their own stories stay readable to them once an editor takes over.
                        Read => true,
                        Create | Edit | SubmitForReview | Delete => {
                            article.status == ArticleStatus::Draft
                        }
                        Publish | Correct => false,
                    }
            }
        }
    }

    /// Whether a person with this role, writing as author profile `own` (if they have one),
    /// may make `byline` the primary byline of an article whose byline is now `current`
    /// (`None` for a new draft). Their own byline, and the one the article already has, are
    /// always allowed; anyone else's needs [`DeskAction::AssignBylines`].
    pub fn may_give_byline(self, own: Option<i32>, current: Option<i32>, byline: i32) -> bool {
        own == Some(byline) || current == Some(byline) || self.may(DeskAction::AssignBylines)
    }

    /// Whether this role may make `wanted` the co-authors of an article whose co-authors are
    /// now `current`, under the primary byline `byline`. Adding, removing or reordering other
    /// people's bylines needs [`DeskAction::AssignBylines`]; repeats and the primary author
    /// named again change nothing (see [`co_bylines`]), so they are allowed.
    pub fn may_set_co_authors(self, current: &[i32], wanted: &[i32], byline: i32) -> bool {
        self.may(DeskAction::AssignBylines)
            || co_bylines(wanted, byline) == co_bylines(current, byline)
    }
}

/// The co-authors an article keeps when `wanted` are asked for under the primary byline
/// `byline`: each once, where it first occurs, and never the primary author again.
pub fn co_bylines(wanted: &[i32], byline: i32) -> Vec<i32> {
    let mut kept: Vec<i32> = Vec::with_capacity(wanted.len());
    for &id in wanted {
        if id != byline && !kept.contains(&id) {
            kept.push(id);
        }
    }
    kept
}

/// Published, archived, or scheduled to be published.
fn is_public_record(status: ArticleStatus) -> bool {
    status != ArticleStatus::Draft
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(own: bool, status: ArticleStatus) -> ArticleFacts {
        ArticleFacts { own, status }
    }

    #[test]
    fn contributors_touch_their_own_drafts_only() {
        let policy = Policy::default();
        let c = Role::Contributor;
        assert!(c.may_on_article(
            ArticleAction::Edit,
            facts(true, ArticleStatus::Draft),
            policy
        ));
        assert!(!c.may_on_article(
            ArticleAction::Edit,
            facts(false, ArticleStatus::Draft),
            policy
        ));
        assert!(!c.may_on_article(
            ArticleAction::Edit,
            facts(true, ArticleStatus::Scheduled),
            policy
        ));
        assert!(!c.may_on_article(
            ArticleAction::Publish,
            facts(true, ArticleStatus::Draft),
            policy
        ));
    }

    #[test]
    fn authors_publish_only_when_the_newsroom_allows_it() {
        let draft = facts(true, ArticleStatus::Draft);
        let published = facts(true, ArticleStatus::Published);
        let closed = Policy::default();
        let open = Policy {
            authors_can_publish: true,
        };
        assert!(!Role::Author.may_on_article(ArticleAction::Publish, draft, closed));
        assert!(Role::Author.may_on_article(ArticleAction::Publish, draft, open));
        assert!(!Role::Author.may_on_article(ArticleAction::Edit, published, closed));
        assert!(Role::Author.may_on_article(ArticleAction::Edit, published, open));
        assert!(!Role::Author.may_on_article(ArticleAction::Delete, published, closed));
        let scheduled = facts(true, ArticleStatus::Scheduled);
        assert!(!Role::Author.may_on_article(ArticleAction::Edit, scheduled, closed));
        assert!(!Role::Author.may_on_article(
            ArticleAction::Publish,
            facts(false, ArticleStatus::Draft),
            open
        ));
    }

    #[test]
    fn only_editors_put_other_peoples_bylines_on_a_story() {
        let (own, other) = (Some(1), 2);
        assert!(Role::Author.may_give_byline(own, None, 1));
        assert!(!Role::Author.may_give_byline(own, None, other));
        assert!(!Role::Author.may_give_byline(None, None, other));
        assert!(
            Role::Author.may_give_byline(own, Some(other), other),
            "keeping the byline an editor gave is no change"
        );
        assert!(!Role::Contributor.may_give_byline(own, Some(1), other));
        assert!(Role::Editor.may_give_byline(own, Some(1), other));
        assert!(Role::Admin.may_give_byline(None, None, other));
    }

    #[test]
    fn only_editors_add_remove_or_reorder_co_authors() {
        let current = [2, 3];
        assert!(Role::Author.may_set_co_authors(&current, &[2, 3], 1));
        assert!(
            Role::Author.may_set_co_authors(&current, &[2, 2, 1, 3], 1),
            "repeats and the primary author are not stored, so change nothing"
        );
        for changed in [&[2][..], &[3, 2], &[2, 3, 4], &[]] {
            assert!(
                !Role::Author.may_set_co_authors(&current, changed, 1),
                "{changed:?}"
            );
            assert!(!Role::Contributor.may_set_co_authors(&current, changed, 1));
            assert!(Role::Editor.may_set_co_authors(&current, changed, 1));
        }
        assert!(Role::Author.may_set_co_authors(&[], &[], 1));
    }

    #[test]
    fn co_bylines_are_kept_once_and_never_repeat_the_byline() {
        assert_eq!(co_bylines(&[3, 1, 3, 2, 1], 1), [3, 2]);
        assert!(co_bylines(&[1], 1).is_empty());
    }

    #[test]
    fn sections_and_staff_are_for_admins() {
        assert!(Role::Admin.may(DeskAction::ManageSections));
        assert!(!Role::Editor.may(DeskAction::ManageSections));
        assert!(Role::Editor.may(DeskAction::ManageTags));
        assert!(!Role::Author.may(DeskAction::ManageTags));
        assert_eq!("EDITOR".parse(), Ok(Role::Editor));
    }
}
