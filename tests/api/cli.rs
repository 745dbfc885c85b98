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

#[tokio::test]
async fn a_sqlite_database_is_backed_up_while_it_serves() {
    use sea_orm::ConnectionTrait;
    let app = dateline_tests::spawn_app().await;
    let file = std::env::temp_dir().join(format!(
        "dateline-backup-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    if dateline_tests::on_postgres() {
        let refused = app
            .store
            .backup_to(&file)
            .await
            .expect_err("PostgreSQL has pg_dump");
        assert!(refused.to_string().contains("pg_dump"), "{refused}");
        return;
    }
    // Readers and a writer keep the server busy meanwhile.
    let editor = app.staff(Role::Editor).await;
    let busy = async {
        for i in 0..5 {
            crate::fixtures::draft(&app, &editor, &format!("Written during the backup {i}")).await;
        }
    };
    let (backed_up, ()) = tokio::join!(app.store.backup_to(&file), busy);
    backed_up.expect("an online backup");
    let copy =
        dateline_persistence::Store::connect(&format!("sqlite://{}?mode=rw", file.display()))
            .await
            .expect("the backup opens as a database");
    let one = |store: &dateline_persistence::Store, sql: &'static str| {
        let db = store.connection().clone();
        async move {
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    sql,
                ))
                .await
                .expect("a query")
                .expect("a row");
            row.try_get_by_index::<i64>(0)
                .map(|n| n.to_string())
                .or_else(|_| row.try_get_by_index::<String>(0))
                .expect("a value")
        }
    };
    assert_eq!(one(&copy, "PRAGMA integrity_check").await, "ok");
    let articles: i64 = one(&copy, "SELECT COUNT(*) FROM articles")
        .await
        .parse()
        .expect("n");
    let now: i64 = one(&app.store, "SELECT COUNT(*) FROM articles")
        .await
        .parse()
        .expect("n");
    assert!(
        articles >= 10 && articles <= now,
        "{articles} of {now} articles"
    );
    // A draft is in the copy whole (with its first revision) or not at all.
    let halves = "SELECT COUNT(*) FROM articles a WHERE a.title LIKE 'Written during%' \
                  AND NOT EXISTS (SELECT 1 FROM article_revisions r WHERE r.article_id = a.id)";
    assert_eq!(one(&copy, halves).await, "0");
    let again = app.store.backup_to(&file).await;
    assert!(again.is_err(), "an existing file is never overwritten");
    copy.close().await;
    std::fs::remove_file(&file).ok();
}
