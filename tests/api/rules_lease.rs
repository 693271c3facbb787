//! The lease on a user's alert rules against a real Redis (skipped without `REDIS_URL`): one
//! node at a time holds it, the holder records where the rules stand with each renewal, a
//! lease its holder stops renewing lapses and the next claimant takes it with that record,
//! and a node that stops gives its leases up at once.

use std::time::Duration;

use actors::live::backend::{RulesClaim, RulesState};
use glidepath::live::rules_lease::RulesLeases;
use uuid::Uuid;

async fn node(prefix: &str, lease_ms: u64) -> RulesLeases {
    let client = redis::Client::open(std::env::var("REDIS_URL").unwrap()).unwrap();
    let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
    RulesLeases::new(
        conn,
        prefix,
        Uuid::new_v4(),
        Duration::from_millis(lease_ms),
        None,
    )
}

#[actix_web::test]
async fn one_node_holds_a_users_rules_and_a_lapsed_or_given_up_lease_passes_with_its_record() {
    if std::env::var("REDIS_URL").is_err() {
        eprintln!("needs REDIS_URL");
        return;
    }
    let prefix = format!("gp-test:{}:", Uuid::new_v4());
    let (a, b) = (node(&prefix, 300).await, node(&prefix, 300).await);
    let user = Uuid::new_v4();

    // Nothing recorded yet: A takes the rules with no record; B finds them held.
    assert_eq!(a.claim(user, None).await.unwrap(), RulesClaim::Taken(None));
    assert_eq!(b.claim(user, None).await.unwrap(), RulesClaim::Elsewhere);
    // A renews, recording that one rule fired.
    let state = RulesState {
        by: Uuid::new_v4(),
        disarmed: vec![Uuid::new_v4()],
    };
    assert_eq!(a.claim(user, Some(&state)).await.unwrap(), RulesClaim::Kept);
    // A new evaluator on A (none of its own yet) is given the record.
    assert_eq!(
        a.claim(user, None).await.unwrap(),
        RulesClaim::Taken(Some(state.clone()))
    );
    assert_eq!(b.claim(user, None).await.unwrap(), RulesClaim::Elsewhere);

    // A dies (stops renewing): once the lease lapses, B takes the rules with A's record.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        b.claim(user, None).await.unwrap(),
        RulesClaim::Taken(Some(state.clone()))
    );
    assert_eq!(
        a.claim(user, Some(&state)).await.unwrap(),
        RulesClaim::Elsewhere
    );

    // B stops: it gives its lease up at once and claims nothing more; A takes it back.
    b.close().await;
    assert_eq!(b.claim(user, None).await.unwrap(), RulesClaim::Elsewhere);
    assert_eq!(
        a.claim(user, None).await.unwrap(),
        RulesClaim::Taken(Some(state))
    );
}
