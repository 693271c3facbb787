//! The run's figures, for people and as JSON.

use std::fmt;
use std::sync::atomic::Ordering;

use serde::Serialize;

use crate::Options;
use crate::stream::{Run, Stats};

/// Resident and peak resident memory of a process, in MiB.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Memory {
    /// VmRSS.
    pub rss_mib: f64,
    /// VmHWM (the peak).
    pub peak_rss_mib: f64,
}

/// Reads `/proc/<pid>/status`.
#[must_use]
pub fn server_memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    Memory {
        rss_mib: field("VmRSS:"),
        peak_rss_mib: field("VmHWM:"),
    }
}

/// The summed memory of `pids` (the nodes of one run); `None` without any.
#[must_use]
pub fn servers_memory(pids: &[u32]) -> Option<Memory> {
    pids.iter()
        .map(|&pid| server_memory(pid))
        .reduce(|a, b| Memory {
            rss_mib: a.rss_mib + b.rss_mib,
            peak_rss_mib: a.peak_rss_mib + b.peak_rss_mib,
        })
}

/// The summed CPU time of `pids`; `None` without any, or when one cannot be read.
#[must_use]
pub fn servers_cpu_seconds(pids: &[u32]) -> Option<f64> {
    if pids.is_empty() {
        return None;
    }
    pids.iter().map(|pid| cpu_seconds(&pid.to_string())).sum()
}

/// CPU time (user + system) a process has used, in seconds, from `/proc/<pid>/stat`
/// (`self` for this one). Its clock ticks are `USER_HZ`, which Linux fixes at 100 for
/// `/proc`.
#[must_use]
pub fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; the fields after it do not.
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15, i.e. 11 and 12 after the name and state.
    #[allow(clippy::cast_precision_loss)]
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}

/// Everything a run reports.
#[derive(Debug, Serialize)]
pub struct Report {
    sessions: usize,
    subscribed: usize,
    failed_handshakes: u64,
    lost_connections: u64,
    connect_secs: f64,
    measured_secs: f64,
    updates: u64,
    updates_per_sec: f64,
    coalesced_revaluations: u64,
    skipped_by_server: u64,
    unannounced_gaps: u64,
    latency_samples: usize,
    latency_ms_p50: u32,
    latency_ms_p99: u32,
    latency_ms_max: u32,
    server_memory: Option<Memory>,
    /// The server's CPU time per update received during the measurement (all its work
    /// divided by the updates), in microseconds.
    server_cpu_us_per_update: Option<f64>,
    /// Share of its core the load generator used during the measurement.
    generator_cpu_share: Option<f64>,
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl Report {
    /// Gathers the figures.
    #[must_use]
    pub fn new(options: &Options, run: &Run, stats: &Stats, memory: Option<Memory>) -> Self {
        let mut latencies = run.latencies_ms.clone();
        latencies.sort_unstable();
        let updates = stats.updates.load(Ordering::Relaxed);
        let measured = run.measured.as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let updates_per_sec = updates as f64 / measured.max(1e-9);
        Self {
            sessions: options.sessions,
            subscribed: run.subscribed,
            failed_handshakes: stats.failed_handshakes.load(Ordering::Relaxed),
            lost_connections: stats.lost.load(Ordering::Relaxed),
            connect_secs: run.connect_time.as_secs_f64(),
            measured_secs: measured,
            updates,
            updates_per_sec,
            coalesced_revaluations: stats.coalesced.load(Ordering::Relaxed),
            skipped_by_server: stats.skipped.load(Ordering::Relaxed),
            unannounced_gaps: stats.gaps.load(Ordering::Relaxed),
            latency_samples: latencies.len(),
            latency_ms_p50: percentile(&latencies, 0.50),
            latency_ms_p99: percentile(&latencies, 0.99),
            latency_ms_max: latencies.last().copied().unwrap_or(0),
            server_memory: memory,
            server_cpu_us_per_update: run
                .server_cpu_secs
                .map(|cpu| cpu * 1e6 / (updates.max(1) as f64)),
            generator_cpu_share: run.generator_cpu_secs.map(|cpu| cpu / measured.max(1e-9)),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sessions {} (subscribed {}, failed handshakes {}, lost {})",
            self.sessions, self.subscribed, self.failed_handshakes, self.lost_connections
        )?;
        writeln!(
            f,
            "updates {} in {:.1} s ({:.0}/s); coalesced revaluations {}; skipped (announced) {}; unannounced gaps {}",
            self.updates,
            self.measured_secs,
            self.updates_per_sec,
            self.coalesced_revaluations,
            self.skipped_by_server,
            self.unannounced_gaps
        )?;
        writeln!(
            f,
            "tick-to-client latency ms: p50 {} p99 {} max {} ({} samples)",
            self.latency_ms_p50, self.latency_ms_p99, self.latency_ms_max, self.latency_samples
        )?;
        if let Some(cpu) = self.server_cpu_us_per_update {
            writeln!(
                f,
                "server CPU per update {cpu:.1} µs (all its work / updates)"
            )?;
        }
        if let Some(share) = self.generator_cpu_share {
            writeln!(f, "load generator busy {:.0}% of its core", share * 100.0)?;
        }
        if let Some(m) = self.server_memory {
            writeln!(
                f,
                "server RSS {:.0} MiB (peak {:.0} MiB)",
                m.rss_mib, m.peak_rss_mib
            )?;
        }
        Ok(())
    }
}
