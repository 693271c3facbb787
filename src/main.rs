//! The `glidepath` binary: parse the command line, load settings, run.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use glidepath::cli::{AdminCommand, Cli, Command, MlCommand, PricesCommand};
use glidepath::config::Settings;
use glidepath::startup::{Application, open_database};
use glidepath::telemetry;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(std::io::stderr(), "glidepath: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn say(message: &str) {
    let _ = writeln!(std::io::stdout(), "{message}");
}

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => return report(Err(e.into())),
    };
    telemetry::init(&settings.log, settings.log_format, std::io::stderr);
    report(match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => open_database(&settings)
            .await
            .map(|_| say("migrations applied")),
        Command::Simulate {
            plan,
            paths,
            seed,
            json,
        } => glidepath::cli_simulate::run(&plan, paths, seed, json).map(|out| say(out.trim_end())),
        Command::Solve {
            plan,
            lever,
            target_success,
            paths,
            seed,
            equity_classes,
            json,
        } => glidepath::cli_solve::run(
            &plan,
            glidepath::cli_solve::SolveArgs {
                lever,
                target: target_success,
                paths,
                seed,
                equity_classes,
                json,
            },
        )
        .map(|out| say(out.trim_end())),
        Command::Optimize {
            prices,
            from,
            to,
            objective,
            risk_free,
            target,
            covariance,
            json,
        } => glidepath::cli_optimise::optimize(
            &glidepath::cli_optimise::PriceWindow {
                prices: &prices,
                from,
                to,
                covariance,
                risk_free,
            },
            objective,
            target,
            json,
        )
        .map(|out| say(out.trim_end())),
        Command::Frontier {
            prices,
            from,
            to,
            points,
            risk_free,
            covariance,
            json,
        } => glidepath::cli_optimise::frontier(
            &glidepath::cli_optimise::PriceWindow {
                prices: &prices,
                from,
                to,
                covariance,
                risk_free,
            },
            points as usize,
            json,
        )
        .map(|out| say(out.trim_end())),
        Command::Ml {
            command:
                MlCommand::Train {
                    seed,
                    plans,
                    paths_per_plan,
                    held_out,
                    out,
                    card,
                    date,
                },
        } => glidepath::cli_ml::run(&glidepath::cli_ml::TrainArgs {
            seed,
            plans,
            paths_per_plan,
            held_out_plans: held_out,
            out,
            card,
            date,
        })
        .map(|m| say(&m)),
        Command::Prices {
            command: PricesCommand::Import { file },
        } => glidepath::cli::prices_import(&settings, &file)
            .await
            .map(|m| say(&m)),
        Command::Admin {
            command: AdminCommand::Create { email },
        } => glidepath::cli::admin_create_from_stdin(&settings, &email)
            .await
            .map(|m| say(&m)),
    })
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    settings.log_summary();
    let app = Application::build(settings).await?;
    app.run_until_stopped().await?;
    Ok(())
}
