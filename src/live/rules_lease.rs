//! Who evaluates a user's alert rules, with several nodes: a lease per user in Redis
//! (`<prefix>rules-lease:<user>`, the holding node's id, `SET NX PX`), renewed by its holder
//! through a script that checks it still holds it. Next to it the holder records where the
//! rules stand (`<prefix>rules-state:<user>`: which fired and have not recovered), which a
//! node taking over starts from (see `actors::live::alerts`).
//!
//! A node that dies stops renewing: its leases lapse after `live.rules_lease_ms`, and the
//! next claim of the user's session on another node (every `live.rules_renew_ms`) takes
//! them. A node that stops gracefully gives its leases up at once ([`RulesLeases::close`]).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use actors::live::backend::{RulesClaim, RulesState};
use prometheus::IntCounter;
use redis::Script;
use redis::aio::ConnectionManager;
use uuid::Uuid;

/// How long the rules' state outlives its last holder: a node taking over within this time
/// does not fire again on a value that stayed breached. Beyond it, a new session of the user
/// evaluates from armed rules, as a single node does after a restart.
const STATE_KEPT: Duration = Duration::from_secs(24 * 3600);

/// Claims or renews: KEYS = lease, state; ARGV = node, lease ms, state ('' = the caller has
/// none yet), state ms. Answers `{0, ''}` (held elsewhere), `{1, ''}` (kept, the state
/// recorded) or `{2, state}` (taken, or kept by a caller without a state: the one recorded).
const CLAIM: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if ARGV[3] ~= '' then
    redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
    return {1, ''}
  end
  return {2, redis.call('GET', KEYS[2]) or ''}
end
if holder then
  return {0, ''}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {2, redis.call('GET', KEYS[2]) or ''}
";

/// Gives a lease up if this node still holds it: KEYS = lease; ARGV = node.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// This node's leases on users' rules.
pub struct RulesLeases {
    conn: ConnectionManager,
    prefix: String,
    node: Uuid,
    lease: Duration,
    /// Users whose rules this node holds, to give them up when it stops.
    held: Mutex<HashSet<Uuid>>,
    /// Set when the node stops: it claims nothing more.
    closed: AtomicBool,
    /// Counts failed claims (`glidepath_redis_errors_total`).
    errors: Option<IntCounter>,
}

impl RulesLeases {
    /// Leases of `node` lasting `lease`, under `prefix` in the Redis behind `conn`.
    #[must_use]
    pub fn new(
        conn: ConnectionManager,
        prefix: &str,
        node: Uuid,
        lease: Duration,
        errors: Option<IntCounter>,
    ) -> Self {
        Self {
            conn,
            prefix: prefix.to_owned(),
            node,
            lease,
            held: Mutex::default(),
            closed: AtomicBool::new(false),
            errors,
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lease_key(&self, user: Uuid) -> String {
        format!("{}rules-lease:{user}", self.prefix)
    }

    /// Claims or renews `user`'s rules for this node, recording `state` when it holds them.
    ///
    /// # Errors
    /// Redis failed.
    pub async fn claim(
        &self,
        user: Uuid,
        state: Option<&RulesState>,
    ) -> redis::RedisResult<RulesClaim> {
        if self.closed.load(Ordering::Acquire) {
            return Ok(RulesClaim::Elsewhere);
        }
        let lease_ms = u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX);
        let kept_ms = u64::try_from(STATE_KEPT.as_millis()).unwrap_or(u64::MAX);
        let answer: redis::RedisResult<(u8, String)> = Script::new(CLAIM)
            .key(self.lease_key(user))
            .key(format!("{}rules-state:{user}", self.prefix))
            .arg(self.node.to_string())
            .arg(lease_ms)
            .arg(state.map(encode).unwrap_or_default())
            .arg(kept_ms)
            .invoke_async(&mut self.conn.clone())
            .await;
        let (code, recorded) = answer.inspect_err(|_| {
            if let Some(errors) = &self.errors {
                errors.inc();
            }
        })?;
        let claim = match code {
            0 => RulesClaim::Elsewhere,
            1 => RulesClaim::Kept,
            _ => RulesClaim::Taken(decode(&recorded)),
        };
        let mut held = self.held();
        if claim == RulesClaim::Elsewhere {
            held.remove(&user);
        } else {
            held.insert(user);
        }
        Ok(claim)
    }

    /// The node stops: it claims nothing more and gives up the leases it holds, so the
    /// users' sessions on other nodes take over at their next claim rather than when the
    /// leases lapse. Failures are logged (the leases then lapse).
    pub async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let users: Vec<Uuid> = self.held().drain().collect();
        let mut conn = self.conn.clone();
        for user in users {
            let released: redis::RedisResult<i64> = Script::new(RELEASE)
                .key(self.lease_key(user))
                .arg(self.node.to_string())
                .invoke_async(&mut conn)
                .await;
            if let Err(e) = released {
                tracing::warn!(error = %e, %user, "a lease on alert rules was not given up");
                return;
            }
        }
    }
}

/// `by;rule,rule`.
fn encode(state: &RulesState) -> String {
    let disarmed: Vec<String> = state.disarmed.iter().map(Uuid::to_string).collect();
    format!("{};{}", state.by, disarmed.join(","))
}

/// What [`encode`] wrote; `None` when nothing (or something unreadable) was recorded.
fn decode(text: &str) -> Option<RulesState> {
    let (by, disarmed) = text.split_once(';')?;
    Some(RulesState {
        by: by.parse().ok()?,
        disarmed: disarmed
            .split(',')
            .filter(|id| !id.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_nothing_recorded_is_none() {
        let state = RulesState {
            by: Uuid::new_v4(),
            disarmed: vec![Uuid::new_v4(), Uuid::new_v4()],
        };
        assert_eq!(decode(&encode(&state)), Some(state.clone()));
        let none_fired = RulesState {
            disarmed: Vec::new(),
            ..state
        };
        assert_eq!(decode(&encode(&none_fired)), Some(none_fired));
        assert_eq!(decode(""), None);
        assert_eq!(decode("not a uuid;"), None);
    }
}
