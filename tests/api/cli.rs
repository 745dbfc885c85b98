//! `dateline user create`, which gives a new newsroom its first admin.

use dateline_domain::Role;
use dateline_server::cli::CreateUserArgs;
use dateline_tests::fresh_database_url;

fn args(email: &str, author: Option<&str>) -> CreateUserArgs {
    CreateUserArgs {
        email: email.to_owned(),
        role: Role::Admin,
        name: None,
        author: author.map(str::to_owned),
    }
}

#[tokio::test]
async fn the_first_admin_is_created_on_an_empty_database() {
    // Not migrated yet: the command migrates first.
    let url = fresh_database_url().await;
    let store = dateline_server::open_store(&url)
        .await
        .expect("open and migrate");
    let user = dateline_server::staff::create_user(
        &store,
        &args(" Desk@Example.com ", None),
        "a long admin password",
    )
    .await
    .expect("create the admin");
    assert_eq!(user.email, "desk@example.com");
    assert_eq!(user.name, "desk");
    assert_eq!(user.role, Role::Admin);

    let signed_in = store
        .user_by_credentials("desk@example.com", "a long admin password")
        .await
        .expect("look up");
    assert_eq!(signed_in.map(|u| u.id), Some(user.id));

    let again = dateline_server::staff::create_user(
        &store,
        &args("desk@example.com", None),
        "a long admin password",
    )
    .await;
    assert!(again.is_err(), "one account per email");
    let short =
        dateline_server::staff::create_user(&store, &args("other@example.com", None), "short")
            .await;
    assert!(short.is_err_and(|e| e.to_string().contains("shorter than 10")));
    let unknown = dateline_server::staff::create_user(
        &store,
        &args("third@example.com", Some("nobody")),
        "a long admin password",
    )
    .await;
    assert!(unknown.is_err(), "an unknown author profile is refused");
}
