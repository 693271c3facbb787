//! The HTTP surface: one table of endpoints, the middleware stack and the error mapping.
//!
//! # Layout
//! - [`dashboard`]: the embedded browser dashboard (`web/dist`).
//! - [`error`]: `ApiError` → problem body; the only place that knows status codes.
//! - [`extract`]: JSON body, path id and paging extractors with field-naming errors.
//! - [`forwarded`]: the client's address behind trusted proxies.
//! - [`middleware`]: security headers and the rewrite of framework errors to problem bodies.
//! - [`openapi`]: the generated OpenAPI document.
//! - [`refresh_cookie`]: cookie mode of the refresh token.
//! - [`routes`]: the handlers, one file per route group.
//! - [`ws`]: the WebSocket endpoint.

pub mod dashboard;
pub mod error;
pub mod extract;
pub mod forwarded;
pub mod middleware;
pub mod openapi;
pub mod refresh_cookie;
pub mod routes;
pub mod ws;

use actix_web::http::Method;
use actix_web::{HttpResponse, Route, web};

use self::error::ApiError;
use self::routes::{admin, auth, docs, goals, health, market, simulations, users};
use self::routes::{advisors, alerts, live, ml, portfolio, proposals, recommendations, risk};

/// One method on one path.
pub struct Endpoint {
    /// The HTTP method.
    pub method: Method,
    /// The path template, in the syntax actix and OpenAPI share (`/planning/goals/{id}`).
    pub path: &'static str,
    route: fn() -> Route,
}

fn ep(method: Method, path: &'static str, route: fn() -> Route) -> Endpoint {
    Endpoint {
        method,
        path,
        route,
    }
}

/// Every endpoint the server serves. The OpenAPI test checks this table against the
/// document, so a route cannot be served undocumented.
#[must_use]
pub fn endpoints() -> Vec<Endpoint> {
    vec![
        ep(Method::POST, "/auth/register", || {
            web::post().to(auth::register)
        }),
        ep(Method::POST, "/auth/login", || web::post().to(auth::login)),
        ep(Method::POST, "/auth/demo", || web::post().to(auth::demo)),
        ep(Method::POST, "/auth/refresh", || {
            web::post().to(auth::refresh)
        }),
        ep(Method::POST, "/auth/logout", || {
            web::post().to(auth::logout)
        }),
        ep(Method::GET, "/.well-known/jwks.json", || {
            web::get().to(auth::jwks)
        }),
        ep(Method::GET, "/users/profile", || {
            web::get().to(users::get_profile)
        }),
        ep(Method::PUT, "/users/profile", || {
            web::put().to(users::update_profile)
        }),
        ep(Method::DELETE, "/users/account", || {
            web::delete().to(users::delete_account)
        }),
        ep(Method::POST, "/planning/goals", || {
            web::post().to(goals::create_goal)
        }),
        ep(Method::GET, "/planning/goals", || {
            web::get().to(goals::list_goals)
        }),
        ep(Method::GET, "/planning/goals/{id}", || {
            web::get().to(goals::get_goal)
        }),
        ep(Method::PUT, "/planning/goals/{id}", || {
            web::put().to(goals::update_goal)
        }),
        ep(Method::DELETE, "/planning/goals/{id}", || {
            web::delete().to(goals::delete_goal)
        }),
        ep(Method::GET, "/planning/plan", || {
            web::get().to(simulations::get_plan)
        }),
        ep(Method::PUT, "/planning/plan", || {
            web::put().to(simulations::put_plan)
        }),
        ep(Method::POST, "/planning/plan/allocation", || {
            web::post().to(simulations::apply_allocation)
        }),
        ep(Method::GET, "/planning/assumptions/derived", || {
            web::get().to(simulations::derived_assumptions)
        }),
        ep(Method::POST, "/simulations/monte-carlo", || {
            web::post().to(simulations::monte_carlo)
        }),
        ep(Method::GET, "/simulations/results", || {
            web::get().to(simulations::results)
        }),
        ep(Method::POST, "/simulations/scenarios", || {
            web::post().to(simulations::scenarios)
        }),
        ep(Method::POST, "/simulations/compare-models", || {
            web::post().to(simulations::compare_models)
        }),
        ep(Method::POST, "/planning/solve", || {
            web::post().to(simulations::solve)
        }),
        ep(Method::POST, "/ml/goal-optimization", || {
            web::post().to(simulations::goal_optimization)
        }),
        ep(Method::GET, "/ml/risk-assessment", || {
            web::get().to(risk::get_assessment)
        }),
        ep(Method::PUT, "/ml/risk-assessment", || {
            web::put().to(risk::put_answers)
        }),
        ep(Method::GET, "/ml/model", || web::get().to(ml::model)),
        ep(Method::GET, "/admin/users", || {
            web::get().to(admin::list_users)
        }),
        ep(Method::PUT, "/admin/users/{id}/role", || {
            web::put().to(admin::change_role)
        }),
        ep(Method::PUT, "/admin/users/{id}/status", || {
            web::put().to(admin::change_status)
        }),
        ep(Method::GET, "/health", || web::get().to(health::health)),
        ep(Method::GET, "/health/detailed", || {
            web::get().to(health::detailed)
        }),
        ep(Method::GET, "/metrics", || web::get().to(health::metrics)),
        ep(Method::GET, "/market/prices/{symbol}", || {
            web::get().to(market::prices)
        }),
        ep(Method::POST, "/admin/prices", || {
            web::post().to(admin::upload_prices)
        }),
        ep(Method::GET, "/market/quotes", || {
            web::get().to(market::quotes)
        }),
        ep(Method::GET, "/market/feeds", || {
            web::get().to(market::feeds)
        }),
        ep(Method::GET, "/portfolio/holdings", || {
            web::get().to(portfolio::list_holdings)
        }),
        ep(Method::POST, "/portfolio/holdings", || {
            web::post().to(portfolio::create_holding)
        }),
        ep(Method::GET, "/portfolio/holdings/{id}", || {
            web::get().to(portfolio::get_holding)
        }),
        ep(Method::PUT, "/portfolio/holdings/{id}", || {
            web::put().to(portfolio::update_holding)
        }),
        ep(Method::DELETE, "/portfolio/holdings/{id}", || {
            web::delete().to(portfolio::delete_holding)
        }),
        ep(Method::GET, "/portfolio/allocations", || {
            web::get().to(portfolio::allocations)
        }),
        ep(Method::POST, "/portfolio/optimize", || {
            web::post().to(portfolio::optimize)
        }),
        ep(Method::POST, "/portfolio/frontier", || {
            web::post().to(portfolio::frontier)
        }),
        ep(Method::POST, "/portfolio/rebalance", || {
            web::post().to(portfolio::rebalance)
        }),
        ep(Method::GET, "/portfolio/performance", || {
            web::get().to(portfolio::performance)
        }),
        ep(Method::GET, "/advisors/grants", || {
            web::get().to(advisors::list_grants)
        }),
        ep(Method::POST, "/advisors/grants", || {
            web::post().to(advisors::create_grant)
        }),
        ep(Method::DELETE, "/advisors/grants/{advisor_id}", || {
            web::delete().to(advisors::delete_grant)
        }),
        ep(Method::GET, "/alerts/rules", || {
            web::get().to(alerts::list_rules)
        }),
        ep(Method::POST, "/alerts/rules", || {
            web::post().to(alerts::create_rule)
        }),
        ep(Method::DELETE, "/alerts/rules/{id}", || {
            web::delete().to(alerts::delete_rule)
        }),
        ep(Method::GET, "/alerts", || {
            web::get().to(alerts::list_alerts)
        }),
        ep(Method::GET, "/live/state", || web::get().to(live::state)),
        ep(Method::POST, "/live/what-if", || {
            web::post().to(live::what_if)
        }),
        ep(Method::GET, "/advisor/clients", || {
            web::get().to(live::clients)
        }),
        ep(Method::POST, "/ml/recommendations", || {
            web::post().to(recommendations::recommend)
        }),
        ep(Method::GET, "/ml/recommendations", || {
            web::get().to(recommendations::list)
        }),
        ep(Method::POST, "/ml/recommendations/{id}/accept", || {
            web::post().to(recommendations::accept)
        }),
        ep(Method::POST, "/ml/recommendations/{id}/dismiss", || {
            web::post().to(recommendations::dismiss)
        }),
        ep(Method::GET, "/advisor/segments", || {
            web::get().to(live::segments)
        }),
        ep(
            Method::GET,
            "/advisor/clients/{client_id}/proposals",
            || web::get().to(proposals::list_by_advisor),
        ),
        ep(
            Method::POST,
            "/advisor/clients/{client_id}/proposals",
            || web::post().to(proposals::create),
        ),
        ep(
            Method::GET,
            "/advisor/clients/{client_id}/recommendations",
            || web::get().to(proposals::client_recommendations),
        ),
        ep(Method::GET, "/planning/proposals", || {
            web::get().to(proposals::list_mine)
        }),
        ep(Method::POST, "/planning/proposals/{id}/accept", || {
            web::post().to(proposals::accept)
        }),
        ep(Method::POST, "/planning/proposals/{id}/decline", || {
            web::post().to(proposals::decline)
        }),
        ep(Method::GET, "/ws", || web::get().to(ws::connect)),
        ep(Method::GET, "/openapi.json", || {
            web::get().to(docs::openapi)
        }),
    ]
}

/// Registers one resource per path with all its methods; any other method gets 405 with an
/// `Allow` header. Every resource answers with 503 what is still running at the shutdown
/// grace limit ([`middleware::answer_before_shutdown`]).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let table = endpoints();
    let paths: Vec<&'static str> = table.iter().map(|e| e.path).collect();
    let mut seen = std::collections::HashSet::new();
    for path in paths.into_iter().filter(|p| seen.insert(*p)) {
        let on_path: Vec<&Endpoint> = table.iter().filter(|e| e.path == path).collect();
        let allow = on_path
            .iter()
            .map(|e| e.method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut resource = web::resource(path);
        for endpoint in on_path {
            resource = resource.route((endpoint.route)());
        }
        cfg.service(
            resource
                .default_service(web::to(move || {
                    let allow = allow.clone();
                    async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed(allow)) }
                }))
                .wrap(actix_web::middleware::from_fn(
                    middleware::answer_before_shutdown,
                )),
        );
    }
}

/// The answer for paths the server does not have.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
