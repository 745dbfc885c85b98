//! Password guessing: accounts locked after repeated failures on every server at once,
//! client addresses throttled, successes forgiving.

use dateline_domain::Role;
use dateline_domain::sign_in::{ACCOUNT_FAILURES_BEFORE_LOCK, ADDRESS_FAILURES_PER_WINDOW};
use dateline_server::client::TrustedProxies;
use dateline_tests::{Settings, TestApp, error_codes, spawn_app, spawn_app_with, spawn_peer};
use serde_json::{Value, json};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { token userErrors { code } } }";

async fn login(app: &TestApp, email: &str, password: &str, forwarded_for: Option<&str>) -> Value {
    let mut request = app.client.post(format!("{}/graphql", app.address)).json(
        &json!({ "query": LOGIN, "variables": { "i": { "email": email, "password": password } } }),
    );
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON")
}

fn wrong_credentials(response: &Value) -> bool {
    response["data"]["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
}

#[tokio::test]
async fn an_account_is_locked_after_repeated_failures_on_every_server() {
    let app = spawn_app().await;
    let staff = app.staff(Role::Editor).await;
    for _ in 0..ACCOUNT_FAILURES_BEFORE_LOCK {
        let response = login(&app, &staff.email, "not the password", None).await;
        assert!(wrong_credentials(&response), "{response}");
    }
    // Even the right password waits now, on this server and on another.
    let peer = spawn_peer(&app).await;
    for server in [&app, &peer] {
        let response = login(server, &staff.email, &staff.password, None).await;
        assert_eq!(error_codes(&response), ["RATE_LIMITED"], "{response}");
        let wait = response["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .expect("seconds to wait");
        assert!((1..=30).contains(&wait), "{wait}");
    }
    // The lock holds for the email in any case, and for no other account.
    let shouted = login(&app, &staff.email.to_uppercase(), &staff.password, None).await;
    assert_eq!(error_codes(&shouted), ["RATE_LIMITED"]);
    let other = app.staff(Role::Author).await;
    let fine = login(&app, &other.email, &other.password, None).await;
    assert!(fine["data"]["login"]["token"].is_string(), "{fine}");
}

#[tokio::test]
async fn a_success_forgets_the_failures() {
    let app = spawn_app().await;
    let staff = app.staff(Role::Author).await;
    for _ in 0..2 {
        for _ in 0..ACCOUNT_FAILURES_BEFORE_LOCK - 1 {
            let response = login(&app, &staff.email, "not the password", None).await;
            assert!(wrong_credentials(&response), "{response}");
        }
        let response = login(&app, &staff.email, &staff.password, None).await;
        assert!(response["data"]["login"]["token"].is_string(), "{response}");
    }
}

#[tokio::test]
async fn unknown_accounts_are_locked_alike() {
    let app = spawn_app().await;
    for _ in 0..ACCOUNT_FAILURES_BEFORE_LOCK {
        let response = login(&app, "nobody@example.com", "guess", None).await;
        assert!(wrong_credentials(&response), "{response}");
    }
    let response = login(&app, "nobody@example.com", "guess", None).await;
    assert_eq!(error_codes(&response), ["RATE_LIMITED"], "{response}");
}

#[tokio::test]
async fn a_wrong_current_password_counts_as_a_failed_sign_in() {
    let app = spawn_app().await;
    let staff = app.staff(Role::Editor).await;
    let change = "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { token userErrors { code } } }";
    for _ in 0..ACCOUNT_FAILURES_BEFORE_LOCK {
        let response = app
            .data_as(
                &staff,
                change,
                json!({ "i": { "currentPassword": "a guess at it", "newPassword": "a brand new password" } }),
            )
            .await;
        assert_eq!(
            response["changePassword"]["userErrors"][0]["code"],
            "INVALID_CREDENTIALS"
        );
    }
    let response = app
        .graphql_as(
            Some(&staff.token),
            change,
            json!({ "i": { "currentPassword": staff.password, "newPassword": "a brand new password" } }),
        )
        .await;
    assert_eq!(error_codes(&response), ["RATE_LIMITED"], "{response}");
}

#[tokio::test]
async fn an_address_that_fails_too_often_waits_and_others_do_not() {
    let app = spawn_app_with(Settings {
        trusted_proxies: TrustedProxies::new(vec!["127.0.0.1/32".parse().expect("a network")]),
        ..Settings::default()
    })
    .await;
    let staff = app.staff(Role::Editor).await;
    let attacker = Some("203.0.113.50");
    // A different email each time, so no account is locked: only the address is counted.
    for i in 0..ADDRESS_FAILURES_PER_WINDOW {
        let response = login(&app, &format!("guess{i}@example.com"), "guess", attacker).await;
        assert!(wrong_credentials(&response), "{response}");
    }
    let blocked = login(&app, &staff.email, &staff.password, attacker).await;
    assert_eq!(error_codes(&blocked), ["RATE_LIMITED"], "{blocked}");
    let reader = login(&app, &staff.email, &staff.password, Some("198.51.100.7")).await;
    assert!(reader["data"]["login"]["token"].is_string(), "{reader}");
}

#[tokio::test]
async fn forwarded_addresses_are_ignored_unless_the_proxy_is_trusted() {
    let app = spawn_app().await;
    let staff = app.staff(Role::Editor).await;
    for i in 0..ADDRESS_FAILURES_PER_WINDOW {
        let claimed = format!("198.51.100.{i}");
        let response = login(
            &app,
            &format!("guess{i}@example.com"),
            "guess",
            Some(&claimed),
        )
        .await;
        assert!(wrong_credentials(&response), "{response}");
    }
    // Every attempt came from this test's own address, whatever the header claimed.
    let blocked = login(&app, &staff.email, &staff.password, Some("192.0.2.1")).await;
    assert_eq!(error_codes(&blocked), ["RATE_LIMITED"], "{blocked}");
}

#[tokio::test]
async fn a_sign_in_shows_the_person_their_own_email() {
    let app = spawn_app().await;
    let staff = app.staff(Role::Contributor).await;
    let data = app
        .data(
            "mutation($i: LoginInput!) { login(input: $i) { viewer { email role } } }",
            json!({ "i": { "email": staff.email, "password": staff.password } }),
        )
        .await;
    assert_eq!(data["login"]["viewer"]["email"], staff.email.as_str());
}

#[tokio::test]
async fn a_burst_of_guesses_sent_at_once_checks_no_more_than_the_free_attempts() {
    let app = spawn_app().await;
    let staff = app.staff(Role::Editor).await;
    let guesses = (0..20).map(|i| {
        let app = &app;
        let email = staff.email.clone();
        async move { login(app, &email, &format!("guess number {i}"), None).await }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|r| wrong_credentials(r)).count();
    let refused = answers
        .iter()
        .filter(|r| error_codes(r) == ["RATE_LIMITED"])
        .count();
    assert!(
        checked <= ACCOUNT_FAILURES_BEFORE_LOCK as usize,
        "{checked} passwords were checked"
    );
    assert_eq!(checked + refused, answers.len(), "{answers:#?}");
}
