//! `glidepath-load`: drives a running Glidepath server the way thousands of dashboards do.
//!
//! It creates (or reuses) N users, each with a plan and holdings in `--symbols-per-user` of
//! the feed's symbols, opens one WebSocket per user, subscribes to the user's plan stream and
//! then, for `--duration-secs`, measures every update: latency from the newest tick it
//! carries (the feed's timestamp) to receipt, updates and coalesced revaluations, sequence
//! gaps the server did not announce, and lost connections. With `--server-pid` it reads the
//! server's resident memory. It runs on a multi-threaded runtime so that it is not the
//! bottleneck; pin it and the server to different cores (`taskset`), as
//! `loadgen/run.sh` does.

mod report;
mod setup;
mod stream;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use protocol::ws::Encoding;

/// Command-line options.
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Options {
    /// The server's base URL; several (comma-separated) spread the users over them, user `i`
    /// on the `i mod n`-th, for nodes of one deployment measured without a proxy between.
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:8080")]
    pub url: Vec<String>,
    /// Concurrent sessions (users, one WebSocket each).
    #[arg(long, default_value_t = 1000)]
    pub sessions: usize,
    /// The feed's symbols; `S00`…`S49` by default (start the server with the same list).
    #[arg(long, value_delimiter = ',', default_values_t = default_symbols())]
    pub symbols: Vec<String>,
    /// Symbols each user holds.
    #[arg(long, default_value_t = 5)]
    pub symbols_per_user: usize,
    /// Seconds of measurement once every session is subscribed.
    #[arg(long, default_value_t = 60)]
    pub duration_secs: u64,
    /// `json` or `msgpack`.
    #[arg(long, default_value = "json")]
    pub encoding: String,
    /// HTTP requests in flight while setting up users.
    #[arg(long, default_value_t = 16)]
    pub setup_concurrency: usize,
    /// WebSocket handshakes in flight while connecting.
    #[arg(long, default_value_t = 64)]
    pub connect_concurrency: usize,
    /// Where created users are remembered, so later runs only log in.
    #[arg(long, default_value = "target/loadgen-users.txt")]
    pub users_file: PathBuf,
    /// The server's process ids (comma-separated, one per node), to report their resident
    /// memory and CPU time (summed over them).
    #[arg(long, value_delimiter = ',')]
    pub server_pid: Vec<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Create (or log in) the users, then stop: a later run starts connecting at once.
    #[arg(long)]
    pub setup_only: bool,
}

impl Options {
    /// The base URL of the node user `i` uses.
    #[must_use]
    pub fn url_for(&self, i: usize) -> &str {
        &self.url[i % self.url.len().max(1)]
    }
}

fn default_symbols() -> Vec<String> {
    (0..50).map(|i| format!("S{i:02}")).collect()
}

fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    let encoding = match options.encoding.as_str() {
        "json" => Encoding::Json,
        "msgpack" => Encoding::MessagePack,
        other => anyhow::bail!("--encoding must be json or msgpack, not {other}"),
    };
    anyhow::ensure!(
        options.symbols_per_user <= options.symbols.len(),
        "--symbols-per-user exceeds the number of --symbols"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async move {
        let users = setup::users(&options).await?;
        if options.setup_only {
            eprintln!("{} users ready", users.len());
            return Ok(());
        }
        eprintln!("{} users ready; connecting", users.len());
        let stats = Arc::new(stream::Stats::default());
        let run = stream::run(
            &options,
            encoding,
            users,
            stats.clone(),
            Duration::from_secs(options.duration_secs),
        )
        .await?;
        let rss = report::servers_memory(&options.server_pid);
        let report = report::Report::new(&options, &run, &stats, rss);
        if options.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!("{report}");
        }
        Ok(())
    })
}
