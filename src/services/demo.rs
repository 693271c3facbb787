//! Demo accounts: `POST /auth/demo` makes a fresh world for each visitor (a demo client, or a
//! demo advisor with three demo clients), so no visitor sees another's edits. Demo accounts
//! are ordinary accounts flagged `is_demo`: their plans and holdings move with the market
//! like anyone's. They have no usable password, keep their e-mail and role, and are deleted
//! with everything they own once `demo.lifetime_secs` old, through the same deletion as
//! `DELETE /users/account`.

use std::collections::HashMap;

use actors::market::hub::GetQuotes;
use chrono::Utc;
use protocol::advisors::CreateGrantRequest;
use protocol::alerts::{AlertKind, CreateAlertRuleRequest, Direction};
use protocol::auth::{DemoKind, DemoRequest, Role, TokenResponse};
use protocol::goals::CreateGoalRequest;
use protocol::portfolio::CreateHoldingRequest;
use protocol::simulations::{AssetClassSpec, PlanSpec};
use protocol::users::{InvestmentExperience, RiskTolerance, UpdateProfileRequest};
use uuid::Uuid;

use crate::domain::email::DEMO_DOMAIN;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::users::UserRow;

/// Stored as the password hash: not a PHC string, so no password ever matches it (and login
/// checks the dummy hash instead, see `services::auth::login`).
const NO_PASSWORD: &str = "!demo account: no password";

/// The asset classes of every demo plan, and the feed's default tickers that belong to each.
/// A feed with other symbols has them dealt out to the classes in turn.
const CLASSES: [(&str, f64, f64, &[&str]); 3] = [
    ("growth", 0.08, 0.20, &["AAPL", "AMD", "MSFT", "LLY", "UNH"]),
    (
        "core",
        0.065,
        0.15,
        &["JPM", "HD", "BAC", "GE", "CVX", "XOM", "BBY", "RRC"],
    ),
    (
        "defensive",
        0.045,
        0.09,
        &["KO", "PG", "PEP", "JNJ", "WMT", "MRK", "PFE"],
    ),
];

/// Correlations of the three classes' log returns (positive definite).
const CORRELATION: [[f64; 3]; 3] = [[1.0, 0.8, 0.5], [0.8, 1.0, 0.6], [0.5, 0.6, 1.0]];

/// A demo client: who they are and what they plan.
struct Persona {
    name: &'static str,
    age: u8,
    income: f64,
    risk: RiskTolerance,
    experience: InvestmentExperience,
    /// Market value of the holdings today.
    wealth: f64,
    monthly_contribution: f64,
    retirement_month: u32,
    monthly_spending: f64,
    horizon_months: u32,
    /// The plan's target weights per class.
    targets: [f64; 3],
    /// What the holdings weigh per class today (off target, so drift shows).
    held: [f64; 3],
    /// (name, amount, years from now, priority).
    goals: [(&'static str, f64, i32, u8); 2],
}

/// A saver decades from retirement, a late starter and a retiree: different plans, so their
/// success probabilities differ.
const PERSONAS: [Persona; 3] = [
    Persona {
        name: "maya",
        age: 34,
        income: 85_000.0,
        risk: RiskTolerance::ModeratelyAggressive,
        experience: InvestmentExperience::Intermediate,
        wealth: 120_000.0,
        monthly_contribution: 1_500.0,
        retirement_month: 372,
        monthly_spending: 4_500.0,
        horizon_months: 732,
        targets: [0.6, 0.3, 0.1],
        held: [0.66, 0.26, 0.08],
        goals: [
            ("House deposit", 60_000.0, 4, 2),
            ("Retirement", 1_500_000.0, 31, 1),
        ],
    },
    Persona {
        name: "daniel",
        age: 52,
        income: 140_000.0,
        risk: RiskTolerance::Moderate,
        experience: InvestmentExperience::Advanced,
        wealth: 480_000.0,
        monthly_contribution: 2_500.0,
        retirement_month: 156,
        monthly_spending: 7_000.0,
        horizon_months: 516,
        targets: [0.4, 0.4, 0.2],
        held: [0.45, 0.38, 0.17],
        goals: [
            ("College fund", 120_000.0, 3, 2),
            ("Retirement", 2_000_000.0, 13, 1),
        ],
    },
    Persona {
        name: "ruth",
        age: 68,
        income: 30_000.0,
        risk: RiskTolerance::Conservative,
        experience: InvestmentExperience::Intermediate,
        wealth: 850_000.0,
        monthly_contribution: 0.0,
        retirement_month: 0,
        monthly_spending: 4_200.0,
        horizon_months: 324,
        targets: [0.2, 0.35, 0.45],
        held: [0.26, 0.33, 0.41],
        goals: [
            ("Travel", 30_000.0, 2, 2),
            ("Grandchildren's education", 50_000.0, 6, 1),
        ],
    },
];

/// Makes a fresh demo world for this visitor and signs its main account in.
///
/// # Errors
/// 404 when demo accounts are off; 429 when this address made too many lately; storage
/// failures (nothing of the world is left behind then).
pub async fn start(
    state: &AppState,
    req: DemoRequest,
    ip: &str,
) -> Result<TokenResponse, ApiError> {
    if !state.settings.demo_enabled() {
        return Err(ApiError::NotFound);
    }
    super::auth::throttle(
        state,
        format!("demo:ip:{ip}"),
        state.settings.rate_limit.demo_per_ip,
    )
    .await?;
    let mut made = Vec::new();
    let built = build(state, req.kind, ip, &mut made).await;
    let (user, role) = match built {
        Ok(signed_in) => signed_in,
        Err(e) => {
            for id in made {
                if let Err(cleanup) = delete(state, id).await {
                    tracing::warn!(user = %id, error = %cleanup, "a half-made demo account could not be deleted; it expires later");
                }
            }
            return Err(e);
        }
    };
    super::auth::issue(state, user, role, req.audience.unwrap_or_default()).await
}

/// Makes the accounts of `kind`'s world, noting each in `made` as soon as it exists; returns
/// the one to sign in.
async fn build(
    state: &AppState,
    kind: DemoKind,
    ip: &str,
    made: &mut Vec<Uuid>,
) -> Result<(Uuid, Role), ApiError> {
    let prices = prices(state).await;
    match kind {
        DemoKind::Client => {
            let client = account(state, PERSONAS[0].name, Role::User, ip, made).await?;
            furnish(state, client.id, &PERSONAS[0], 0, &prices).await?;
            Ok((client.id, Role::User))
        }
        DemoKind::Advisor => {
            let advisor = account(state, "advisor", Role::Advisor, ip, made).await?;
            for (index, persona) in PERSONAS.iter().enumerate() {
                let client = account(state, persona.name, Role::User, ip, made).await?;
                furnish(state, client.id, persona, index, &prices).await?;
                super::advisors::grant(
                    state,
                    client.id,
                    CreateGrantRequest {
                        advisor_email: advisor.email.clone(),
                    },
                )
                .await?;
            }
            Ok((advisor.id, Role::Advisor))
        }
    }
}

async fn account(
    state: &AppState,
    name: &str,
    role: Role,
    ip: &str,
    made: &mut Vec<Uuid>,
) -> Result<UserRow, ApiError> {
    let email = format!("{name}-{}@{DEMO_DOMAIN}", Uuid::new_v4().simple());
    let row = state
        .db
        .create_demo_user(&email, NO_PASSWORD, role, Some(ip))
        .await?;
    made.push(row.id);
    Ok(row)
}

/// The last price of each of the feed's symbols, or the synthetic feed's starting price for
/// those not priced yet.
async fn prices(state: &AppState) -> HashMap<String, f64> {
    let symbols = state.market.symbols.clone();
    let known: HashMap<String, f64> = state
        .market
        .hub
        .send(GetQuotes {
            symbols: symbols.clone(),
        })
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(symbol, quote)| (symbol, quote.price))
        .collect();
    let fallback = Some(state.settings.market.initial_price)
        .filter(|p| p.is_finite() && *p > 0.0)
        .unwrap_or(100.0);
    symbols
        .into_iter()
        .map(|s| {
            let price = known.get(&s).copied().unwrap_or(fallback);
            (s, price)
        })
        .collect()
}

/// The feed's symbols of each class: the default tickers where the feed has them, the others
/// dealt out in turn.
fn symbols_by_class(prices: &HashMap<String, f64>) -> [Vec<String>; 3] {
    let mut sorted: Vec<&String> = prices.keys().collect();
    sorted.sort();
    let mut by_class: [Vec<String>; 3] = Default::default();
    let mut next = 0;
    for symbol in sorted {
        let class = CLASSES
            .iter()
            .position(|(_, _, _, tickers)| tickers.contains(&symbol.as_str()))
            .unwrap_or_else(|| {
                next += 1;
                (next - 1) % CLASSES.len()
            });
        by_class[class].push(symbol.clone());
    }
    by_class
}

fn plan(persona: &Persona) -> PlanSpec {
    PlanSpec {
        initial_wealth: persona.wealth,
        monthly_contribution: persona.monthly_contribution,
        retirement_month: persona.retirement_month,
        monthly_spending: persona.monthly_spending,
        horizon_months: persona.horizon_months,
        annual_inflation: 0.025,
        annual_fee: 0.002,
        asset_classes: Some(
            CLASSES
                .iter()
                .map(|(name, mu, sigma, _)| AssetClassSpec {
                    name: (*name).to_owned(),
                    mu: *mu,
                    sigma: *sigma,
                })
                .collect(),
        ),
        weights: Some(persona.targets.to_vec()),
        correlation: Some(CORRELATION.iter().map(|row| row.to_vec()).collect()),
        rebalance_band: None,
        extensions: Default::default(),
    }
}

/// Gives `user` the persona's profile, plan, holdings (two symbols per class, chosen by
/// `index` so that clients of one advisor hold different ones), goals and alert rules,
/// through the same services the API uses.
async fn furnish(
    state: &AppState,
    user: Uuid,
    persona: &Persona,
    index: usize,
    prices: &HashMap<String, f64>,
) -> Result<(), ApiError> {
    super::users::update_profile(
        state,
        user,
        UpdateProfileRequest {
            email: None,
            annual_income: Some(Some(persona.income)),
            age: Some(Some(persona.age)),
            birth_year: None,
            risk_tolerance: Some(Some(persona.risk)),
            investment_experience: Some(Some(persona.experience)),
        },
    )
    .await?;
    super::simulations::save_plan(state, user, plan(persona)).await?;
    let mut first_held = None;
    for (class, symbols) in symbols_by_class(prices).iter().enumerate() {
        let chosen: Vec<&String> = symbols
            .iter()
            .cycle()
            .skip(index * 2)
            .take(symbols.len().min(2))
            .collect();
        for symbol in &chosen {
            let price = prices[symbol.as_str()];
            let value = persona.wealth * persona.held[class] / chosen.len() as f64;
            let quantity = (value / price * 1e6).round() / 1e6;
            if quantity <= 0.0 {
                continue;
            }
            super::portfolio::create(
                state,
                user,
                CreateHoldingRequest {
                    account: "brokerage".into(),
                    symbol: (*symbol).clone(),
                    quantity,
                    asset_class: CLASSES[class].0.to_owned(),
                },
            )
            .await?;
            first_held.get_or_insert(((*symbol).clone(), price));
        }
    }
    let today = Utc::now().date_naive();
    for (name, amount, years, priority) in persona.goals {
        let target_date = today
            .checked_add_months(chrono::Months::new(u32::try_from(years * 12).unwrap_or(12)))
            .unwrap_or(today);
        super::goals::create(
            state,
            user,
            CreateGoalRequest {
                name: name.to_owned(),
                target_amount: amount,
                target_date,
                priority: Some(priority),
                status: None,
            },
        )
        .await?;
    }
    let mut rules = vec![
        CreateAlertRuleRequest {
            kind: AlertKind::SuccessBelow,
            level: 0.6,
            symbol: None,
            direction: None,
            hysteresis: Some(0.02),
        },
        CreateAlertRuleRequest {
            kind: AlertKind::DriftAbove,
            level: 0.05,
            symbol: None,
            direction: None,
            hysteresis: Some(0.01),
        },
    ];
    if let Some((symbol, price)) = first_held {
        rules.push(CreateAlertRuleRequest {
            kind: AlertKind::PriceCross,
            level: ((price * 1.05) * 100.0).round() / 100.0,
            symbol: Some(symbol),
            direction: Some(Direction::Above),
            hysteresis: None,
        });
    }
    for rule in rules {
        super::alerts::create_rule(state, user, rule).await?;
    }
    Ok(())
}

/// Deletes an account and everything it owns, as `DELETE /users/account` does.
async fn delete(state: &AppState, user: Uuid) -> Result<bool, ApiError> {
    let deleted = state.db.delete_account(user, None).await?;
    if deleted {
        super::live_hooks::account_deleted(state, user);
    }
    Ok(deleted)
}

/// Most demo accounts read per query while expiring.
const EXPIRY_BATCH: u32 = 100;

/// Deletes every demo account older than `demo.lifetime_secs`; returns how many.
///
/// # Errors
/// Storage failures (the accounts deleted so far stay deleted).
pub async fn expire(state: &AppState) -> Result<usize, ApiError> {
    // Bounded at load to a year, far within chrono's range.
    let lifetime =
        chrono::Duration::from_std(state.settings.demo.lifetime).unwrap_or(chrono::Duration::MAX);
    let cutoff = Utc::now() - lifetime;
    let mut removed = 0;
    loop {
        let expired = state
            .db
            .demo_users_created_before(cutoff, EXPIRY_BATCH)
            .await?;
        for user in &expired {
            removed += usize::from(delete(state, *user).await?);
        }
        if expired.len() < EXPIRY_BATCH as usize {
            return Ok(removed);
        }
    }
}

/// Expires demo accounts now and every `demo.sweep_interval_secs` until the database closes
/// (the server stopped).
pub async fn expire_periodically(state: AppState) {
    let mut every = tokio::time::interval(state.settings.demo.sweep_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if state.db.is_closed() {
            return;
        }
        match expire(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "expired demo accounts deleted"),
            Err(e) => tracing::warn!(error = %e, "expired demo accounts could not be deleted"),
        }
    }
}
