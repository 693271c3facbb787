//! The migrations create the seed's indexes on both databases.

use glidepath::store::Db;

use crate::helpers::spawn_app;

const SEED_INDEXES: [&str; 9] = [
    "idx_users_email",
    "idx_active_users",
    "idx_goals_user_id",
    "idx_goals_target_date",
    "idx_active_goals",
    "idx_simulation_results_user_id",
    "idx_simulation_results_type",
    "idx_audit_log_subject",
    "idx_refresh_tokens_family",
];

#[actix_web::test]
async fn the_seed_indexes_exist() {
    let app = spawn_app().await;
    let (names, gin): (Vec<String>, Vec<String>) = match &app.db {
        Db::Sqlite(pool) => {
            let rows: Vec<(String,)> =
                sqlx::query_as("select name from sqlite_master where type = 'index'")
                    .fetch_all(pool)
                    .await
                    .unwrap();
            (rows.into_iter().map(|r| r.0).collect(), Vec::new())
        }
        Db::Postgres(pool) => {
            let rows: Vec<(String, String)> = sqlx::query_as("select indexname::text, indexdef from pg_indexes where schemaname = current_schema()")
                .fetch_all(pool)
                .await
                .unwrap();
            let gin = rows
                .iter()
                .filter(|(_, def)| def.contains("USING gin"))
                .map(|(n, _)| n.clone())
                .collect();
            (rows.into_iter().map(|r| r.0).collect(), gin)
        }
    };
    for index in SEED_INDEXES {
        assert!(
            names.iter().any(|n| n == index),
            "{index} missing from {names:?}"
        );
    }
    if matches!(app.db, Db::Postgres(_)) {
        assert!(
            gin.contains(&"idx_simulation_parameters".to_owned())
                && gin.contains(&"idx_simulation_results_data".to_owned()),
            "{gin:?}"
        );
    }
}
