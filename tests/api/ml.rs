//! `GET /ml/model`, the model a server loads at start-up, and `glidepath ml train`.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{ok_json, problem, spawn_app, spawn_app_with};

const COMMITTED: &str = include_str!("../../models/success.json");

fn committed() -> Value {
    serde_json::from_str(COMMITTED).unwrap()
}

#[actix_web::test]
async fn any_signed_in_user_reads_the_built_in_model_card() {
    let app = spawn_app().await;
    problem(
        app.get("/ml/model", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let user = app.new_user().await;
    let card = ok_json(app.get("/ml/model", Some(&user.access)).await).await;
    let file = committed();
    assert_eq!(card["source"], "built-in");
    assert_eq!(card["format"], "glidepath-success-surrogate");
    assert_eq!(card["version"], 1);
    assert_eq!(card["features"], file["features"]);
    assert_eq!(card["coefficients"], file["coefficients"]);
    assert_eq!(card["intercept"], file["intercept"]);
    assert_eq!(card["trained_on"], file["card"]["trained_on"]);
    assert_eq!(card["seed"], file["card"]["seed"]);
    assert_eq!(card["training"], file["card"]["training"]);
    assert_eq!(card["held_out"]["paths_per_plan"], 10_000);
    assert_eq!(card["ranges"], file["card"]["ranges"]);
    assert_eq!(card["metrics"], file["card"]["metrics"]);
    let mae = card["metrics"]["mean_absolute_error"].as_f64().unwrap();
    assert!(mae <= 0.02, "published MAE {mae}");
    assert_eq!(card["metrics"]["calibration"].as_array().unwrap().len(), 10);
}

#[actix_web::test]
async fn a_configured_model_file_is_the_one_served() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("retrained.json");
    let mut file = committed();
    file["card"]["trained_on"] = "2027-01-02".into();
    file["intercept"] = 0.25.into();
    std::fs::write(&path, file.to_string()).unwrap();
    let configured = path.clone();
    let app = spawn_app_with(move |s| s.ml.model_path = Some(configured)).await;
    let user = app.new_user().await;
    let card = ok_json(app.get("/ml/model", Some(&user.access)).await).await;
    assert_eq!(card["source"], path.display().to_string());
    assert_eq!(card["trained_on"], "2027-01-02");
    assert_eq!(card["intercept"], 0.25);
}

/// Runs the binary in a fresh directory with `args` and the environment given.
fn glidepath(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_glidepath"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("GLIDEPATH_PORT", "0")
        .env("RUST_LOG", "warn");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A server that wrongly accepted its model would serve for ever: stop it and fail.
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("glidepath {args:?} still runs after two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[actix_web::test]
async fn the_server_refuses_to_start_on_a_corrupt_or_incompatible_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, b"\x00\x01not a model").unwrap();
    let truncated = dir.path().join("truncated.json");
    std::fs::write(&truncated, &COMMITTED[..COMMITTED.len() / 2]).unwrap();
    let newer = dir.path().join("newer.json");
    let mut file = committed();
    file["version"] = 2.into();
    std::fs::write(&newer, file.to_string()).unwrap();
    let missing = dir.path().join("missing.json");
    for (path, says) in [
        (&garbage, "not a JSON document"),
        (&truncated, "not a JSON document"),
        (&newer, "model file version 2 is not supported"),
        (&missing, "cannot be read"),
    ] {
        let shown = path.display().to_string();
        let out = glidepath(
            dir.path(),
            &["serve"],
            &[("GLIDEPATH_ML__MODEL_PATH", shown.as_str())],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "started with {shown}");
        assert!(
            stderr.contains(&format!("ml.model_path {shown}")) && stderr.contains(says),
            "{shown}: {stderr}"
        );
        assert!(
            !dir.path().join("data/glidepath.db").exists(),
            "stopped before opening the database"
        );
    }
}

#[actix_web::test]
async fn ml_train_writes_the_same_model_for_the_same_seed_and_date_and_the_server_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let train = |name: &str, seed: &str| {
        let out = glidepath(
            dir.path(),
            &[
                "ml",
                "train",
                "--seed",
                seed,
                "--plans",
                "60",
                "--paths-per-plan",
                "40",
                "--held-out",
                "10",
                "--date",
                "2026-12-07",
                "--out",
                &format!("models/{name}.json"),
                "--card",
                &format!("models/{name}.md"),
            ],
            &[],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            std::fs::read_to_string(dir.path().join(format!("models/{name}.json"))).unwrap(),
            std::fs::read_to_string(dir.path().join(format!("models/{name}.md"))).unwrap(),
        )
    };
    let (first, card) = train("a", "3");
    let (again, card_again) = train("b", "3");
    let (other, _) = train("c", "4");
    assert_eq!(first, again);
    assert_eq!(card, card_again);
    assert_ne!(first, other);
    assert!(
        card.contains("| seed | 3 |") && card.contains("2026-12-07"),
        "{card}"
    );
    let loaded = glidepath::ml::SuccessModel::from_text(&first, "a.json".into()).unwrap();
    assert_eq!(loaded.file.card.training.plans, 60);
    assert_eq!(loaded.file.card.held_out.plans, 10);
}
