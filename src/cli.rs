//! The `glidepath` command line: `serve` (the default), `migrate`, `simulate`, `solve`,
//! `optimize`, `frontier`, `ml train`, `prices import`, `admin create`.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use protocol::auth::Role;

use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::domain::{email::Email, password};
use crate::startup::open_database;

/// Glidepath: real-time financial planning server.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// A TOML configuration file (default: ./glidepath.toml when present).
    #[arg(long, global = true, env = "GLIDEPATH_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Simulate a plan file (JSON, as `PUT /planning/plan` takes it) and print the summary.
    Simulate {
        /// The plan file, e.g. examples/plans/p1.json.
        plan: PathBuf,
        /// Number of paths.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        paths: u32,
        /// Fixes the result; random (and printed) when omitted.
        #[arg(long)]
        seed: Option<u64>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The value of one lever of a plan that reaches a target success probability, all else
    /// fixed.
    Solve {
        /// The plan file, e.g. examples/plans/p1.json.
        plan: PathBuf,
        /// The lever to solve for.
        #[arg(long = "for", value_enum)]
        lever: crate::cli_solve::CliLever,
        /// The success probability to reach, above 0 and at most 1 (e.g. 0.85).
        #[arg(long = "target-success")]
        target_success: f64,
        /// Number of paths.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        paths: u32,
        /// Fixes the answer; random (and printed) when omitted.
        #[arg(long)]
        seed: Option<u64>,
        /// For `--for equity_share`: the plan's equity classes, comma-separated; by default
        /// those whose name contains "equity", "equities" or "stock" (any case).
        #[arg(long = "equity-classes", value_delimiter = ',')]
        equity_classes: Option<Vec<String>>,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The optimal portfolio of the symbols of a price file (`date,SYM1,SYM2,…`).
    Optimize {
        /// The price file, e.g. datasets/sp500_prices.csv.
        #[arg(long)]
        prices: PathBuf,
        /// First day of the window (YYYY-MM-DD); the file's first when omitted.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day of the window; the file's last when omitted.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// What to optimise.
        #[arg(long, value_enum)]
        objective: crate::cli_optimise::CliObjective,
        /// Annual risk-free rate of the Sharpe ratio.
        #[arg(long = "risk-free", default_value_t = crate::services::performance::DEFAULT_RISK_FREE_RATE)]
        risk_free: f64,
        /// The target return (efficient-return) or volatility (efficient-risk), annual.
        #[arg(long)]
        target: Option<f64>,
        /// The covariance estimator.
        #[arg(long, value_enum, default_value_t)]
        covariance: crate::cli_optimise::CliCovariance,
        /// Print `{"weights", "expected_return", "volatility", "sharpe", "status"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The efficient frontier of the symbols of a price file.
    Frontier {
        /// The price file.
        #[arg(long)]
        prices: PathBuf,
        /// First day of the window.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        /// Last day of the window.
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
        /// Points on the frontier.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
        points: u32,
        /// Annual risk-free rate of the Sharpe ratios.
        #[arg(long = "risk-free", default_value_t = crate::services::performance::DEFAULT_RISK_FREE_RATE)]
        risk_free: f64,
        /// The covariance estimator.
        #[arg(long, value_enum, default_value_t)]
        covariance: crate::cli_optimise::CliCovariance,
        /// Print `{"points": [{"weights", …}, …]}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The success surrogate.
    Ml {
        /// What to do.
        #[command(subcommand)]
        command: MlCommand,
    },
    /// Price history.
    Prices {
        /// What to do.
        #[command(subcommand)]
        command: PricesCommand,
    },
    /// Administer accounts.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `glidepath admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator, or make an existing account one. The password is read from
    /// the first line of standard input: `printf '%s\n' "$PW" | glidepath admin create --email a@b.c`.
    Create {
        /// The administrator's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// `glidepath ml …`.
#[derive(Debug, Subcommand)]
pub enum MlCommand {
    /// Train the success surrogate on simulations of plans drawn from the documented ranges
    /// and measure it on held-out plans at 10,000 paths each; writes the model file and its
    /// card. The same seed and date write the same files.
    Train {
        /// The seed every sample derives from.
        #[arg(long, default_value_t = crate::cli_ml::DEFAULT_SEED)]
        seed: u64,
        /// Training plans.
        #[arg(long, default_value_t = crate::cli_ml::PLANS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(10..=100_000))]
        plans: usize,
        /// Paths per training plan.
        #[arg(long = "paths-per-plan", default_value_t = crate::cli_ml::PATHS_PER_PLAN, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        paths_per_plan: u32,
        /// Held-out plans (10,000 paths each).
        #[arg(long = "held-out", default_value_t = crate::cli_ml::HELD_OUT_PLANS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(10..=100_000))]
        held_out: usize,
        /// The model file to write.
        #[arg(long, default_value = crate::cli_ml::DEFAULT_OUT)]
        out: PathBuf,
        /// The model card (Markdown) to write.
        #[arg(long, default_value = crate::cli_ml::DEFAULT_CARD)]
        card: PathBuf,
        /// The training date the card shows (YYYY-MM-DD); today (UTC) when omitted.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
    },
}

/// `glidepath prices …`.
#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Store a file of daily closes (`date,SYM1,SYM2,…`, one row per trading day, an empty
    /// cell for no close) as source `import`: all of it, or nothing if a cell is bad.
    Import {
        /// The CSV file, e.g. datasets/sp500_prices.csv.
        file: PathBuf,
    },
}

/// `glidepath prices import`: returns the message to print.
///
/// # Errors
/// An unreadable file, a bad cell (named by line and column) or a database failure.
pub async fn prices_import(settings: &Settings, file: &std::path::Path) -> anyhow::Result<String> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let db = open_database(settings).await?;
    let imported =
        crate::services::prices::import(&db, &text, crate::store::prices::PriceSource::Import)
            .await;
    db.close().await;
    let summary = imported.map_err(|e| match e {
        crate::http::error::ApiError::Validation(errors) => anyhow::anyhow!(
            "{}: {}; nothing was imported",
            file.display(),
            errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!("{other}"),
    })?;
    Ok(format!(
        "imported {} closes of {} symbols ({} days, {} to {}) from {}",
        summary.closes,
        summary.symbols.len(),
        summary.days,
        summary.first_day,
        summary.last_day,
        file.display()
    ))
}

/// Reads one line of standard input as a password.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// `glidepath admin create`: returns the message to print.
///
/// # Errors
/// An invalid e-mail or password (the message names which), or a database failure.
pub async fn admin_create(
    settings: &Settings,
    email: &str,
    password_text: String,
) -> anyhow::Result<String> {
    let email = Email::parse("--email", email)
        .and_then(|e| e.not_demo("--email"))
        .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
    if let Err(e) = password::check_new("password", &password_text) {
        bail!("password (standard input): {}", e.message);
    }
    let db = open_database(settings).await?;
    let hasher = PasswordHasher::new(1, Duration::from_secs(60))?;
    let hash = hasher.hash(password_text).await?;
    let (user, created) = db
        .upsert_user_with_role(email.as_str(), &hash, Role::Admin)
        .await?;
    db.close().await;
    Ok(if created {
        format!("created administrator {} ({})", user.email, user.id)
    } else {
        format!(
            "{} ({}) is now an administrator; its password was reset",
            user.email, user.id
        )
    })
}

/// Runs `admin create` reading the password from standard input.
///
/// # Errors
/// See [`admin_create`].
pub async fn admin_create_from_stdin(settings: &Settings, email: &str) -> anyhow::Result<String> {
    let password_text = read_password()?;
    admin_create(settings, email, password_text).await
}
