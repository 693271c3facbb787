//! Administrators come from the CLI only, list users and change roles.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ok_json, problem, spawn_app};

#[actix_web::test]
async fn an_admin_lists_users_and_changes_roles() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let admin = app.new_admin().await;

    let page = ok_json(app.get("/admin/users?limit=100", Some(&admin.access)).await).await;
    let listed: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == user.email)
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["role"], "user");

    let changed = app.set_role(&admin, &user, "premium").await;
    assert_eq!(changed["role"], "premium");

    // The user's sessions ended with the change; a new login carries the new role.
    problem(
        app.refresh(&user.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    let tokens = ok_json(app.login(&user.email, &user.password).await).await;
    let claims =
        jsonwebtoken::dangerous::insecure_decode::<Value>(tokens["access_token"].as_str().unwrap())
            .unwrap()
            .claims;
    assert_eq!(claims["role"], "premium");

    problem(
        app.put(
            &format!("/admin/users/{}/role", uuid::Uuid::new_v4()),
            Some(&admin.access),
            &json!({ "role": "admin" }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.put(
            &format!("/admin/users/{}/role", admin.id),
            Some(&admin.access),
            &json!({ "role": "user" }),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    problem(
        app.put(
            &format!("/admin/users/{}/role", user.id),
            Some(&admin.access),
            &json!({ "role": "emperor" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    let actions = app.db.audit_actions_for(user.id).await.unwrap();
    assert!(
        actions.contains(&"account.role_changed".to_owned()),
        "{actions:?}"
    );
}

#[actix_web::test]
async fn the_cli_refuses_bad_input_with_a_message() {
    let app = spawn_app().await;
    let err =
        glidepath::cli::admin_create(&app.settings, "not-an-email", "long enough password".into())
            .await
            .unwrap_err();
    assert!(err.to_string().contains("--email"), "{err}");
    let err = glidepath::cli::admin_create(&app.settings, "a@example.com", "short".into())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    assert!(
        app.db
            .find_user_by_email("a@example.com")
            .await
            .unwrap()
            .is_none()
    );
}

/// `email` keeps the accounts whose e-mail contains it, ignoring case and taking `%` and `_`
/// literally; `total` counts the matches, and paging applies to them.
#[actix_web::test]
async fn an_admin_searches_users_by_email() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    for name in ["ann", "bob", "annabel"] {
        let email = format!("{name}-{tag}@example.com");
        assert_eq!(
            app.register(&email, crate::helpers::PASSWORD)
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let search = |query: String| {
        let admin = admin.access.clone();
        let app = &app;
        async move {
            app.get(&format!("/admin/users?{query}"), Some(&admin))
                .await
        }
    };
    let emails = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };

    let page = ok_json(search(format!("email=ANN-{}", &tag[..8])).await).await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(emails(&page), [format!("ann-{tag}@example.com")]);

    let page = ok_json(search(format!("email={tag}&limit=2")).await).await;
    assert_eq!(page["total"], 3);
    assert_eq!(emails(&page).len(), 2);
    let rest = ok_json(search(format!("email={tag}&limit=2&offset=2")).await).await;
    assert_eq!(emails(&rest), [format!("annabel-{tag}@example.com")]);

    // Wildcards are plain characters: no address has a % or an _ followed by the tag.
    for wildcard in ["%25", "_"] {
        let page = ok_json(search(format!("email={wildcard}{tag}")).await).await;
        assert_eq!(page["total"], 0, "{wildcard}: {page}");
    }
    // Any text is a search, control characters and NUL too (which PostgreSQL text cannot
    // hold): it finds nothing rather than failing.
    for odd in ["%00", "%10", "a%00b"] {
        let page = ok_json(search(format!("email={odd}")).await).await;
        assert_eq!(page["total"], 0, "{odd}: {page}");
    }
    for bad in ["email=", &format!("email={}", "x".repeat(255))] {
        let refused = problem(
            search(bad.to_owned()).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
        assert_eq!(crate::helpers::fields(&refused), ["email"]);
    }
}
