//! Rows mapped to the domain's records ([`dateline_domain::model`]), once, here.

use dateline_domain::Slug;
use dateline_domain::model::{
    Article, ArticleBody, Author, Correction, FeaturedImage, Revision, Section, Source, Tag, User,
};

use crate::entity;
use crate::error::StoreError;

impl TryFrom<entity::article::Model> for Article {
    type Error = StoreError;

    fn try_from(row: entity::article::Model) -> Result<Self, Self::Error> {
        let status = row.status.parse().map_err(|_| {
            StoreError::Corrupt(format!("article {} has status {:?}", row.id, row.status))
        })?;
        let featured_image = featured_image(
            row.featured_image_url,
            row.featured_image_alt,
            row.featured_image_caption,
            row.featured_image_credit,
        );
        Ok(Self {
            id: row.id,
            slug: Slug::from_stored(row.slug),
            title: row.title,
            subtitle: row.subtitle,
            excerpt: row.excerpt,
            word_count: u32::try_from(row.word_count).unwrap_or_default(),
            dateline_place: row.dateline_place,
            source_id: row.source_id,
            author_id: row.author_id,
            section_id: row.section_id,
            status,
            published_at: row.published_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
            featured: row.featured,
            featured_image,
            revision: row.revision,
            owner_id: row.owner_id,
            review_requested_at: row.review_requested_at,
            deleted_at: row.deleted_at,
            status_changed_at: row.status_changed_at,
        })
    }
}

impl From<entity::article_body::Model> for ArticleBody {
    fn from(row: entity::article_body::Model) -> Self {
        Self {
            html: row.body_html,
            text: row.body_text,
        }
    }
}

impl From<entity::author::Model> for Author {
    fn from(row: entity::author::Model) -> Self {
        Self {
            id: row.id,
            slug: Slug::from_stored(row.slug),
            name: row.name,
            bio: row.bio,
            avatar_url: row.avatar_url,
        }
    }
}

impl From<entity::section::Model> for Section {
    fn from(row: entity::section::Model) -> Self {
        Self {
            id: row.id,
            slug: Slug::from_stored(row.slug),
            name: row.name,
            description: row.description,
            parent_id: row.parent_id,
            position: row.position,
        }
    }
}

impl From<entity::tag::Model> for Tag {
    fn from(row: entity::tag::Model) -> Self {
        Self {
            id: row.id,
            slug: Slug::from_stored(row.slug),
            name: row.name,
        }
    }
}

impl From<entity::source::Model> for Source {
    fn from(row: entity::source::Model) -> Self {
        Self {
            id: row.id,
            slug: Slug::from_stored(row.slug),
            name: row.name,
            url: row.url,
        }
    }
}

impl TryFrom<entity::user::Model> for User {
    type Error = StoreError;

    fn try_from(row: entity::user::Model) -> Result<Self, Self::Error> {
        let role = row
            .role
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("user {} has role {:?}", row.id, row.role)))?;
        Ok(Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            author_id: row.author_id,
            created_at: row.created_at,
        })
    }
}

impl TryFrom<entity::article_revision::Model> for Revision {
    type Error = StoreError;

    fn try_from(row: entity::article_revision::Model) -> Result<Self, Self::Error> {
        let corrupt = || {
            StoreError::Corrupt(format!(
                "revision {} of article {} is malformed",
                row.revision, row.article_id
            ))
        };
        let status = row.status.parse().map_err(|_| corrupt())?;
        let ids = |list: &str| {
            list.split(',')
                .filter(|id| !id.is_empty())
                .map(str::parse)
                .collect::<Result<Vec<i32>, _>>()
                .map_err(|_| corrupt())
        };
        let tag_ids = ids(&row.tag_ids)?;
        let co_author_ids = ids(&row.co_author_ids)?;
        let featured_image = featured_image(
            row.featured_image_url,
            row.featured_image_alt,
            row.featured_image_caption,
            row.featured_image_credit,
        );
        Ok(Self {
            id: row.id,
            article_id: row.article_id,
            number: row.revision,
            user_id: row.user_id,
            created_at: row.created_at,
            status,
            slug: Slug::from_stored(row.slug),
            title: row.title,
            subtitle: row.subtitle,
            custom_excerpt: row.custom_excerpt,
            body_html: row.body_html,
            dateline_place: row.dateline_place,
            section_id: row.section_id,
            source_id: row.source_id,
            author_id: row.author_id,
            tag_ids,
            co_author_ids,
            featured: row.featured,
            featured_image,
        })
    }
}

impl From<entity::article_correction::Model> for Correction {
    fn from(row: entity::article_correction::Model) -> Self {
        Self {
            id: row.id,
            article_id: row.article_id,
            note: row.note,
            created_at: row.created_at,
        }
    }
}

/// The lead picture stored in an article's or a revision's four columns, if it has one.
fn featured_image(
    url: Option<String>,
    alt_text: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
) -> Option<FeaturedImage> {
    url.map(|url| FeaturedImage {
        url,
        alt_text,
        caption,
        credit,
    })
}
