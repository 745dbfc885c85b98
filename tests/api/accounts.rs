//! Signing in and out, and who the API thinks is asking.

use std::time::Instant;

use dateline_domain::Role;
use dateline_tests::{Staff, TestApp, error_codes, spawn_app};
use serde_json::{Value, json};

const LOGIN: &str = "mutation($input: LoginInput!) { login(input: $input) { token expiresAt viewer { email role } userErrors { path code message } } }";
const VIEWER: &str = "{ viewer { email role author { slug } } }";

#[tokio::test]
async fn staff_sign_in_and_out_with_a_bearer_token() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;

    let me = app.data_as(&editor, VIEWER, json!({})).await;
    assert_eq!(me["viewer"]["email"], editor.email.as_str());
    assert_eq!(me["viewer"]["role"], "EDITOR");
    assert!(me["viewer"]["author"]["slug"].is_string());
    assert_eq!(
        app.data(VIEWER, json!({})).await["viewer"],
        serde_json::Value::Null
    );

    let out = app
        .data_as(&editor, "mutation { logout { ended } }", json!({}))
        .await;
    assert_eq!(out["logout"]["ended"], true);
    let after = app.graphql_as(Some(&editor.token), VIEWER, json!({})).await;
    assert_eq!(error_codes(&after), ["UNAUTHENTICATED"], "{after}");

    let token = app.login(&editor.email, &editor.password).await;
    let with_header = |value: String| {
        let request = app
            .client
            .post(format!("{}/graphql", app.address))
            .header("authorization", value)
            .json(&json!({ "query": VIEWER }));
        async move {
            let response = request.send().await.expect("a response");
            response.json::<serde_json::Value>().await.expect("JSON")
        }
    };
    let lowercase = with_header(format!("bearer {token}")).await;
    assert_eq!(
        lowercase["data"]["viewer"]["role"], "EDITOR",
        "the scheme is case-insensitive"
    );
    for header in [
        format!("Token {token}"),
        "Basic dXNlcjpwYXNz".to_owned(),
        "Bearer".to_owned(),
    ] {
        let refused = with_header(header.clone()).await;
        assert_eq!(
            error_codes(&refused),
            ["UNAUTHENTICATED"],
            "{header}: not served as public"
        );
    }

    let forged = app
        .graphql_as(Some("dl_not-a-real-token"), VIEWER, json!({}))
        .await;
    assert_eq!(error_codes(&forged), ["UNAUTHENTICATED"]);
    let response = forged.to_string();
    assert!(
        !response.contains("SELECT") && !response.contains("sessions"),
        "{response}"
    );
}

#[tokio::test]
async fn wrong_credentials_get_one_generic_answer() {
    let app = spawn_app().await;
    let editor = app.staff(Role::Editor).await;
    // The first unknown email pays for making the decoy hash: not part of the comparison.
    app.data(
        LOGIN,
        json!({ "input": { "email": "warm@example.com", "password": "whatever it is" } }),
    )
    .await;
    let mut answers = Vec::new();
    let mut timings = Vec::new();
    for (email, password) in [
        (editor.email.as_str(), "wrong password entirely"),
        ("nobody@example.com", "wrong password entirely"),
        ("not even an email", "x"),
    ] {
        let started = Instant::now();
        let data = app
            .data(
                LOGIN,
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        timings.push(started.elapsed());
        assert_eq!(data["login"]["token"], serde_json::Value::Null);
        answers.push(data["login"]["userErrors"].clone());
    }
    assert_eq!(
        answers[0],
        json!([{ "path": null, "code": "INVALID_CREDENTIALS", "message": "The email or password is incorrect." }])
    );
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    // An unknown email is checked against a decoy hash, so it is not answered much faster
    // than a known one (argon2 takes tens of milliseconds; a bare lookup well under one).
    assert!(
        timings[1] * 3 > timings[0],
        "unknown email answered in {:?}, known in {:?}",
        timings[1],
        timings[0]
    );

    let data = app
        .data(
            LOGIN,
            json!({ "input": { "email": editor.email.to_uppercase(), "password": editor.password } }),
        )
        .await;
    assert!(
        data["login"]["token"].is_string(),
        "emails are case-insensitive: {data}"
    );
    assert_eq!(data["login"]["viewer"]["role"], "EDITOR");
}

/// Runs `createUser` with `input` as `admin` and returns its payload.
async fn create_user(app: &TestApp, admin: &Staff, input: Value) -> Value {
    app.data_as(
        admin,
        "mutation($input: CreateUserInput!) { createUser(input: $input) { user { email role } userErrors { path code } } }",
        json!({ "input": input }),
    )
    .await["createUser"]
        .clone()
}

#[tokio::test]
async fn admins_create_accounts_and_change_settings() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin).await;
    let made = create_user(
        &app,
        &admin,
        json!({ "email": "New.Desk@Example.com", "name": "New Desk", "password": "long enough password", "role": "CONTRIBUTOR" }),
    )
    .await;
    assert_eq!(
        made["user"],
        json!({ "email": "new.desk@example.com", "role": "CONTRIBUTOR" })
    );
    let again = create_user(
        &app,
        &admin,
        json!({ "email": "new.desk@example.com", "name": "Twice", "password": "short", "role": "EDITOR" }),
    )
    .await;
    assert_eq!(
        again["userErrors"],
        json!([{ "path": ["input", "password"], "code": "TOO_SHORT" }])
    );
    let taken = create_user(
        &app,
        &admin,
        json!({ "email": "new.desk@example.com", "name": "Twice", "password": "long enough password", "role": "EDITOR" }),
    )
    .await;
    assert_eq!(
        taken["userErrors"],
        json!([{ "path": ["input", "email"], "code": "TAKEN" }])
    );
    app.login("new.desk@example.com", "long enough password")
        .await;

    let settings = app
        .data_as(
            &admin,
            "mutation { updateSettings(input: { authorsCanPublish: true }) { settings { authorsCanPublish } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["updateSettings"]["settings"]["authorsCanPublish"],
        true
    );
    let read = app
        .data_as(&admin, "{ settings { authorsCanPublish } }", json!({}))
        .await;
    assert_eq!(read["settings"]["authorsCanPublish"], true);
}

#[tokio::test]
async fn admins_change_roles_and_remove_accounts_which_signs_them_out() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin).await;
    let author = app.staff(Role::Author).await;
    let author_id =
        app.data_as(&author, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let admin_id =
        app.data_as(&admin, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let update = "mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { role } userErrors { path code } } }";

    let promoted = app
        .data_as(
            &admin,
            update,
            json!({ "input": { "id": author_id, "role": "EDITOR" } }),
        )
        .await;
    assert_eq!(promoted["updateUser"]["user"]["role"], "EDITOR");
    let old_session = app.graphql_as(Some(&author.token), VIEWER, json!({})).await;
    assert_eq!(
        error_codes(&old_session),
        ["UNAUTHENTICATED"],
        "a new role needs a new sign-in"
    );
    let token = app.login(&author.email, &author.password).await;
    let me = app.graphql_as(Some(&token), VIEWER, json!({})).await;
    assert_eq!(me["data"]["viewer"]["role"], "EDITOR");

    let demote_self = app
        .data_as(
            &admin,
            update,
            json!({ "input": { "id": admin_id, "role": "EDITOR" } }),
        )
        .await;
    assert_eq!(
        demote_self["updateUser"]["userErrors"],
        json!([{ "path": ["input", "role"], "code": "INVALID" }])
    );
    let listed = app
        .data_as(
            &admin,
            "{ users(first: 1) { totalCount nodes { email role } pageInfo { hasNextPage endCursor } } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["users"]["totalCount"], 2);
    assert_eq!(listed["users"]["nodes"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["users"]["pageInfo"]["hasNextPage"], true);
    let rest = app
        .data_as(
            &admin,
            "query($after: String) { users(after: $after) { nodes { email } pageInfo { hasNextPage } } }",
            json!({ "after": listed["users"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(rest["users"]["nodes"].as_array().map(Vec::len), Some(1));
    assert_ne!(rest["users"]["nodes"][0], listed["users"]["nodes"][0]);
    assert_eq!(rest["users"]["pageInfo"]["hasNextPage"], false);
    // Anyone but an admin gets null, without an error: the list is not theirs to see.
    let not_an_admin = app
        .graphql_as(Some(&token), "{ users { nodes { email } } }", json!({}))
        .await;
    assert_eq!(not_an_admin, json!({ "data": { "users": null } }));

    let delete = "mutation($input: DeleteUserInput!) { deleteUser(input: $input) { deletedUserId userErrors { path code } } }";
    let own = app
        .data_as(&admin, delete, json!({ "input": { "id": admin_id } }))
        .await;
    assert_eq!(
        own["deleteUser"]["userErrors"],
        json!([{ "path": ["input", "id"], "code": "INVALID" }])
    );
    let gone = app
        .data_as(&admin, delete, json!({ "input": { "id": author_id } }))
        .await;
    assert_eq!(gone["deleteUser"]["deletedUserId"], author_id);
    let after = app.graphql_as(Some(&token), VIEWER, json!({})).await;
    assert_eq!(error_codes(&after), ["UNAUTHENTICATED"]);
}

#[tokio::test]
async fn staff_change_their_own_password() {
    let app = spawn_app().await;
    let author = app.staff(Role::Author).await;
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) { token userErrors { path code } } }";
    let wrong = app
        .data_as(
            &author,
            change,
            json!({ "input": { "currentPassword": "not it at all", "newPassword": "a brand new password" } }),
        )
        .await;
    assert_eq!(
        wrong["changePassword"]["userErrors"],
        json!([{ "path": ["input", "currentPassword"], "code": "INVALID_CREDENTIALS" }])
    );
    let changed = app
        .data_as(
            &author,
            change,
            json!({ "input": { "currentPassword": author.password, "newPassword": "a brand new password" } }),
        )
        .await;
    let token = changed["changePassword"]["token"]
        .as_str()
        .expect("a new token");
    let old = app.graphql_as(Some(&author.token), VIEWER, json!({})).await;
    assert_eq!(error_codes(&old), ["UNAUTHENTICATED"], "other sessions end");
    let me = app.graphql_as(Some(token), VIEWER, json!({})).await;
    assert_eq!(me["data"]["viewer"]["role"], "AUTHOR");
    app.login(&author.email, "a brand new password").await;
}

#[tokio::test]
async fn only_admins_and_the_person_themself_see_a_staff_email() {
    let app = spawn_app().await;
    let admin = app.staff(Role::Admin).await;
    let editor = app.staff(Role::Editor).await;
    let author = app.staff(Role::Author).await;
    let article = crate::fixtures::draft(&app, &author, "Who wrote this").await;
    crate::fixtures::update_article(
        &app,
        &editor,
        json!({ "id": article["id"], "expectedRevision": 1, "title": "Who edited this" }),
    )
    .await;
    let query = "query($id: ID!) { node(id: $id) { ... on Article { \
                 owner { name email role } revisions { nodes { number editor { email role } } } } } }";
    let variables = json!({ "id": article["id"] });

    // An editor sees who owns and who changed the story, and their roles, but not the
    // author's email address; their own, yes.
    let by_editor = app.data_as(&editor, query, variables.clone()).await;
    assert_eq!(
        by_editor["node"],
        json!({
            "owner": { "name": "Test author", "email": null, "role": "AUTHOR" },
            "revisions": { "nodes": [
                { "number": 2, "editor": { "email": editor.email, "role": "EDITOR" } },
                { "number": 1, "editor": { "email": null, "role": "AUTHOR" } },
            ] },
        })
    );
    // The author sees their own address and not the editor's.
    let by_author = app.data_as(&author, query, variables.clone()).await;
    assert_eq!(by_author["node"]["owner"]["email"], author.email.as_str());
    assert_eq!(
        by_author["node"]["revisions"]["nodes"][0]["editor"],
        json!({ "email": null, "role": "EDITOR" })
    );
    // Admins, who manage the accounts, see every address.
    let by_admin = app.data_as(&admin, query, variables.clone()).await;
    assert_eq!(by_admin["node"]["owner"]["email"], author.email.as_str());
    assert_eq!(
        by_admin["node"]["revisions"]["nodes"][0]["editor"]["email"],
        editor.email.as_str()
    );
    let me = app.data_as(&editor, VIEWER, json!({})).await;
    assert_eq!(me["viewer"]["email"], editor.email.as_str());
}

/// Sets the session of `token` to have expired an hour ago.
async fn expire(app: &TestApp, token: &str) {
    use sea_orm::ConnectionTrait;
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let db = app.store.connection();
    let sql = if dateline_tests::on_postgres() {
        "UPDATE sessions SET expires_at = $1 WHERE token_hash = $2"
    } else {
        "UPDATE sessions SET expires_at = ? WHERE token_hash = ?"
    };
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let done = db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [past.into(), digest.into()],
        ))
        .await
        .expect("expire the session");
    assert_eq!(done.rows_affected(), 1);
}

/// How many sessions are stored.
async fn sessions(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = app.store.connection();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM sessions",
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get_by_index(0).expect("a count")
}

#[tokio::test]
async fn expired_sessions_are_purged_in_the_background() {
    let app = spawn_app().await;
    let kept = app.staff(Role::Editor).await;
    let gone = app.staff(Role::Author).await;
    expire(&app, &gone.token).await;
    assert_eq!(sessions(&app).await, 2);
    // Housekeeping runs as a server starts, then every hour.
    let _restarted = dateline_tests::spawn_instance(&app).await;
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    while sessions(&app).await > 1 {
        assert!(
            Instant::now() < deadline,
            "the expired session is still stored"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let me = app.data_as(&kept, VIEWER, json!({})).await;
    assert_eq!(me["viewer"]["email"], kept.email.as_str());
    let refused = app.graphql_as(Some(&gone.token), VIEWER, json!({})).await;
    assert_eq!(error_codes(&refused), ["UNAUTHENTICATED"]);
}
