//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes and
//! the protocol types, then completed with the error responses every operation shares.

use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::routes::{admin, auth, docs, goals, health, market, simulations, users};
use super::routes::{advisors, alerts, live, ml, portfolio, proposals, recommendations, risk};

/// The serialised document, built once at start-up.
#[derive(Debug, Clone)]
pub struct OpenApiJson(pub String);

/// The document's root.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Glidepath API",
        description = "Real-time financial planning: accounts, profiles, goals, simulations and portfolios.\n\nErrors are `application/problem+json` bodies (RFC 9457) with a stable `code`; validation errors list the offending `errors[].field`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        auth::register, auth::login, auth::demo, auth::refresh, auth::logout, auth::jwks,
        users::get_profile, users::update_profile, users::delete_account,
        goals::create_goal, goals::list_goals, goals::get_goal, goals::update_goal, goals::delete_goal,
        simulations::get_plan, simulations::put_plan, simulations::derived_assumptions, simulations::apply_allocation, simulations::monte_carlo, simulations::results, simulations::scenarios, simulations::compare_models, simulations::solve, simulations::goal_optimization,
        risk::get_assessment, risk::put_answers,
        ml::model,
        admin::list_users, admin::change_role, admin::change_status, admin::upload_prices,
        health::health, health::detailed, health::metrics,
        market::quotes, market::feeds, market::prices,
        portfolio::create_holding, portfolio::list_holdings, portfolio::get_holding, portfolio::update_holding, portfolio::delete_holding, portfolio::allocations, portfolio::rebalance, portfolio::performance, portfolio::optimize, portfolio::frontier,
        advisors::list_grants, advisors::create_grant, advisors::delete_grant,
        alerts::create_rule, alerts::list_rules, alerts::delete_rule, alerts::list_alerts,
        live::state, live::what_if, live::clients, live::segments,
        proposals::create, proposals::list_by_advisor, proposals::client_recommendations, proposals::list_mine, proposals::accept, proposals::decline,
        recommendations::recommend, recommendations::list, recommendations::accept, recommendations::dismiss,
        docs::openapi,
        super::ws::connect,
    ),
    // The WebSocket messages are no operation's body; listed here so that clients generate
    // their types from this document too.
    components(schemas(
        protocol::Problem, protocol::FieldError, protocol::ErrorCode,
        protocol::ws::ClientMessage, protocol::ws::ServerMessage,
        // Referenced by a query parameter, which does not register its schema.
        protocol::market::PriceSourceFilter,
    )),
    modifiers(&Security, &SharedErrors, &ClosedTaggedUnions),
    tags(
        (name = "auth", description = "Accounts and tokens."),
        (name = "users", description = "The caller's account and financial profile."),
        (name = "goals", description = "The caller's financial goals."),
        (name = "simulations", description = "The stored plan and Monte Carlo simulations."),
        (name = "ml", description = "The success surrogate that screens candidate changes before they are simulated."),
        (name = "admin", description = "User administration."),
        (name = "operations", description = "Health, metrics and this document."),
        (name = "market", description = "Quotes and the market-data feed."),
        (name = "portfolio", description = "The caller's holdings, their allocation, trade lists, performance and optimisation."),
        (name = "advisors", description = "Advisors the caller lets watch their plan."),
        (name = "alerts", description = "Alert rules and the alerts they raised."),
        (name = "realtime", description = "The WebSocket stream."),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An RS256 access token from /auth/login or /auth/refresh.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the responses that follow from an operation's shape rather than its meaning: every
/// operation may fail with 500, and with 503 when the server stops while it runs; a body may
/// be malformed (400), too large (413) or not JSON in UTF-8 (415); path and query parameters
/// may not parse (400); a secured operation may lack a valid token (401) or its scope (403).
struct SharedErrors;

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn add(op: &mut Operation, status: &str, description: &str) {
    if !op.responses.responses.contains_key(status) {
        op.responses
            .responses
            .insert(status.to_owned(), problem(description).into());
    }
}

/// Adds a problem response, or appends `description` to the one the operation documents.
fn add_or_extend(op: &mut Operation, status: &str, description: &str) {
    match op.responses.responses.get_mut(status) {
        Some(utoipa::openapi::RefOr::T(response)) => {
            response.description = format!("{} Or: {description}", response.description);
        }
        Some(utoipa::openapi::RefOr::Ref(_)) => {}
        None => add(op, status, description),
    }
}

impl Modify for SharedErrors {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
                if op.request_body.is_some() {
                    add(
                        op,
                        "400",
                        "The body is not valid JSON of the documented shape.",
                    );
                    add(op, "413", "The body is too large.");
                    add(
                        op,
                        "415",
                        "The body is not application/json, or not in UTF-8.",
                    );
                } else if has_params {
                    add(op, "400", "A path or query parameter does not parse.");
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add(op, "401", "No valid access token.");
                    add(
                        op,
                        "403",
                        "The access token lacks the scope this operation needs.",
                    );
                }
                add(
                    op,
                    "500",
                    "An unexpected error; the detail is deliberately opaque.",
                );
                add_or_extend(
                    op,
                    "503",
                    "The server is shutting down and the request was still running at the \
                     grace limit; retry it.",
                );
            }
        }
    }
}

/// Internally tagged enums (`{"kind": …}`, `{"type": …}`) are `deny_unknown_fields` in
/// protocol/, but utoipa leaves their variants open; saying so here keeps a field the server
/// refuses out of what the document calls valid.
struct ClosedTaggedUnions;

impl Modify for ClosedTaggedUnions {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in [
            "Objective",
            "ClientMessage",
            "ServerMessage",
            "WithdrawalSpec",
            "ReturnModelSpec",
            "InflationModelSpec",
        ] {
            let Some(RefOr::T(Schema::OneOf(union))) = components.schemas.get_mut(name) else {
                continue;
            };
            for variant in &mut union.items {
                if let RefOr::T(Schema::Object(object)) = variant {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// The document as JSON.
#[must_use]
pub fn document() -> OpenApiDoc {
    ApiDoc::openapi()
}
