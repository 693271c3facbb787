//! A rolling restart under REST load: `wrk` reads a user's holdings through nginx while each
//! node in turn gets SIGTERM, drains, and starts again; not one request may fail.

use std::process::Command;
use std::time::Duration;

use crate::ONE_AT_A_TIME;
use crate::harness::{Cluster, database_url};
use crate::kill_node::user_with_rule;

/// nginx leaves a node out for `fail_timeout` (10 s in the shipped configuration) after it
/// refused connections; restarting the other node before then would leave nginx with no node
/// it believes in. A rolling restart waits this long after a node is back.
const SETTLE: Duration = Duration::from_secs(11);
/// How long the load runs: two restarts, each with its settling, with time to spare.
const LOAD_SECS: u64 = 36;

/// `wrk`'s summary: (requests, the "Socket errors" and "Non-2xx" lines when present).
fn summary(output: &str) -> (u64, Vec<String>) {
    let requests = output
        .lines()
        .find_map(|line| {
            let (count, rest) = line.trim().split_once(' ')?;
            rest.starts_with("requests in")
                .then(|| count.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no request count in wrk's output:\n{output}"));
    let failures = output
        .lines()
        .filter(|line| line.contains("Socket errors") || line.contains("Non-2xx"))
        .map(str::to_owned)
        .collect();
    (requests, failures)
}

#[test]
fn wrk_summary_reads_requests_and_failures() {
    let clean = "Running 1s test\n  2 threads and 20 connections\n  123 requests in 1.00s, 1.2MB read\nRequests/sec: 123.0\n";
    assert_eq!(summary(clean), (123, vec![]));
    let failed = "  10 requests in 1.00s, 1KB read\n  Socket errors: connect 0, read 1, write 0, timeout 0\n  Non-2xx or 3xx responses: 2\n";
    assert_eq!(summary(failed).1.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_rest_load_fails_no_request() {
    let Some(database) = database_url() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::new(&database).await;
    for node in &mut cluster.nodes {
        node.start().await;
    }
    let (_, token) = user_with_rule(&cluster, &cluster.nginx.url()).await;

    let url = format!("{}/portfolio/holdings", cluster.nginx.url());
    // Says what a failed response was (status and body), for the failure message.
    let script = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        script.path(),
        "response = function(status, headers, body)\n\
         if status >= 300 then io.write('FAILED ' .. status .. ' ' .. body .. '\\n') end\n\
         end\n",
    )
    .unwrap();
    let script_path = script.path().to_owned();
    let load = std::thread::spawn(move || {
        Command::new("wrk")
            .args(["-t", "2", "-c", "16", "-d", &format!("{LOAD_SECS}s")])
            .arg("-s")
            .arg(script_path)
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .arg(url)
            .output()
            .expect("wrk (Debian's wrk package; .ci/deploy.sh installs it) drives the load")
    });

    tokio::time::sleep(Duration::from_secs(2)).await;
    for i in 0..2 {
        let status = cluster.nodes[i].terminate(Duration::from_secs(10));
        assert!(
            status.success(),
            "{} stopped with {status}",
            cluster.nodes[i].name
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        cluster.nodes[i].start().await;
        tokio::time::sleep(SETTLE).await;
    }
    let output = tokio::task::spawn_blocking(move || load.join().unwrap())
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed: {text}");
    let (requests, failures) = summary(&text);
    eprintln!("{text}");
    assert!(
        requests > 1_000,
        "the load ran: {requests} requests\n{text}"
    );
    assert!(
        failures.is_empty(),
        "failed requests during the rolling restart: {failures:?}\n{text}\n{}",
        cluster.logs()
    );
    // Both nodes serve again.
    for node in &cluster.nodes {
        assert!(node.metric("glidepath_db_up").await >= 1.0);
    }
}
