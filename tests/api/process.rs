//! The real binary: starts with no set-up, creates its database and key, and stops
//! gracefully on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_web::test]
async fn the_binary_starts_on_defaults_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .current_dir(dir.path())
        .env("GLIDEPATH_PORT", port.to_string())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}/health");
    let started = Instant::now();
    let mut up = false;
    while started.elapsed() < Duration::from_secs(30) {
        if reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not answer /health");
    assert!(
        dir.path().join("data/glidepath.db").exists(),
        "SQLite file in the data directory"
    );
    let key = dir.path().join("data/keys/jwt_private.pem");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions())
            & 0o777;
    assert_eq!(mode, 0o600);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[actix_web::test]
async fn the_binary_refuses_an_unknown_setting_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .current_dir(dir.path())
        .env("GLIDEPATH_PROT", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("prot"), "{stderr}");
}

#[actix_web::test]
async fn admin_create_reads_the_password_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(["admin", "create", "--email", "Root@Example.com"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long admin passphrase\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("created administrator root@example.com")
    );

    let mut short = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(["admin", "create", "--email", "other@example.com"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    short.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = short.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
}

#[actix_web::test]
async fn simulate_prints_the_summary_and_names_bad_fields() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans/p1.json");
    let out = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args([
            "simulate", example, "--paths", "500", "--seed", "3", "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["paths"], 500);
    assert_eq!(summary["seed"], 3);
    // The CLI and the library agree: same plan, paths and seed.
    let spec: protocol::simulations::PlanSpec =
        serde_json::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
    let plan = glidepath::domain::plan::to_engine(&spec, "").unwrap();
    let direct = engine::sim::simulate(
        &plan,
        &engine::sim::SimulationOptions {
            paths: 500,
            seed: 3,
            fan_chart: true,
        },
    )
    .unwrap();
    assert_eq!(
        summary["success_probability"].as_f64().unwrap(),
        direct.success_probability
    );
    assert_eq!(
        summary["terminal_real_wealth"]["p95"].as_f64().unwrap(),
        direct.terminal_real_wealth.p95
    );

    let text = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(["simulate", example, "--paths", "200", "--seed", "3"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("success probability"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        std::fs::read_to_string(example)
            .unwrap()
            .replace("[0.6, 0.2, 0.2]", "[0.6, 0.2, 0.3]"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(["simulate", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.json: weights: must sum to 1"),
        "{stderr}"
    );
}
