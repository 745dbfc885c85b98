//! Staff accounts made from the command line: `dateline user create`, which is how a new
//! newsroom gets its first admin.

use anyhow::Context;
use dateline_domain::model::User;
use dateline_domain::{Email, NewPassword, input};
use dateline_persistence::{NewUser, Store};

use crate::cli::CreateUserArgs;

/// Creates the account `args` describes with `password`, linked to the author profile
/// `args.author` names, if any.
pub async fn create_user(
    store: &Store,
    args: &CreateUserArgs,
    password: &str,
) -> anyhow::Result<User> {
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
    let password = NewPassword::parse(password).map_err(|e| anyhow::anyhow!("the password {e}"))?;
    let name = match &args.name {
        Some(name) => input::required_text(name, input::MAX_NAME_CHARS)
            .map_err(|e| anyhow::anyhow!("--name {e}"))?,
        None => email
            .as_str()
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    let author_id = match &args.author {
        Some(slug) => Some(
            store
                .author_by_slug(slug)
                .await?
                .with_context(|| format!("there is no author profile {slug:?}"))?
                .id,
        ),
        None => None,
    };
    store
        .create_user(NewUser {
            email: &email,
            name: &name,
            password: &password,
            role: args.role,
            author_id,
        })
        .await
        .context("creating the account")
}
