//! One market on several nodes, through Redis.
//!
//! Per feed there are three keys under the deployment's prefix:
//! - `feed:{name}:lease`: the node that runs the feed ([`Lease`]);
//! - `feed:{name}:stream`: a stream of the feed's batches, one entry per batch (field `b`,
//!   MessagePack `[[symbol, price, ts_ms], …]`, so a market move stays one valuation);
//! - `feed:{name}:last`: a hash of each symbol's last published `"price ts_ms"`, `@id` the
//!   stream entry it is current to and, for the replay feed, `@row` the next row to play.
//!
//! The holder's feed does not push into its own hub: it publishes (a script that checks the
//! lease, appends to the stream and updates the hash in one step, so a node whose lease was
//! taken cannot publish), and every node, the holder included, reads the stream into its hub.
//! All hubs thus apply the same batches in the same order. A node starts from the hash, a new
//! holder's feed from the last published prices (or row), so nothing jumps back on takeover.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use actix::{Actor, Addr, Context, Handler};
use actors::market::{PriceHub, Tick, Ticks};
use prometheus::{IntCounter, IntGauge, IntGaugeVec};
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::streams::{StreamReadOptions, StreamReadReply};
use tokio::sync::{mpsc, watch};

use super::lease::Lease;
use super::{FeedPlan, RunningFeed};

/// Appends a batch if `ARGV[1]` holds the lease (`KEYS[1]`): the stream entry's id, or nil.
const PUBLISH: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return false
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'b', ARGV[3])
redis.call('HSET', KEYS[3], '@id', id, unpack(ARGV, 4))
return id
";

static PUBLISH_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(PUBLISH));

/// How long one blocking read of the stream waits for an entry before asking again.
const READ_BLOCK: Duration = Duration::from_secs(2);
/// First and longest wait before the reader tries Redis again after a failure.
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// The Redis keys of one feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    /// The lease.
    pub lease: String,
    /// The stream of batches.
    pub stream: String,
    /// The hash of last prices.
    pub last: String,
}

impl Keys {
    /// The keys of `feed` under `prefix`.
    #[must_use]
    pub fn new(prefix: &str, feed: &str) -> Self {
        Self {
            lease: format!("{prefix}feed:{feed}:lease"),
            stream: format!("{prefix}feed:{feed}:stream"),
            last: format!("{prefix}feed:{feed}:last"),
        }
    }
}

/// What the last published batches left in the hash.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LastPublished {
    /// The stream entry the prices are current to.
    pub id: Option<String>,
    /// Every symbol's last price, in symbol order.
    pub ticks: Vec<Tick>,
    /// Replay: the next row to play.
    pub row: Option<usize>,
}

impl LastPublished {
    /// Reads the hash's fields (unreadable ones are skipped).
    #[must_use]
    pub fn from_fields(fields: HashMap<String, String>) -> Self {
        let mut last = Self::default();
        for (field, value) in fields {
            match field.as_str() {
                "@id" => last.id = Some(value),
                "@row" => last.row = value.parse().ok(),
                _ => {
                    let mut parts = value.split(' ');
                    if let (Some(Ok(price)), Some(Ok(ts_ms))) = (
                        parts.next().map(str::parse::<f64>),
                        parts.next().map(str::parse::<i64>),
                    ) {
                        last.ticks.push(Tick {
                            symbol: field,
                            price,
                            ts_ms,
                        });
                    }
                }
            }
        }
        last.ticks.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        last
    }

    /// The last price of `symbol`.
    #[must_use]
    pub fn price(&self, symbol: &str) -> Option<f64> {
        self.ticks
            .iter()
            .find(|t| t.symbol == symbol)
            .map(|t| t.price)
    }

    /// The millisecond part of the stream id, to vary a resumed random walk.
    #[must_use]
    pub fn id_ms(&self) -> u64 {
        self.id
            .as_deref()
            .and_then(|id| id.split('-').next())
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(0)
    }
}

/// A batch as it is stored in the stream.
#[must_use]
pub fn encode_batch(ticks: &[Tick]) -> Vec<u8> {
    let wire: Vec<(&str, f64, i64)> = ticks
        .iter()
        .map(|t| (t.symbol.as_str(), t.price, t.ts_ms))
        .collect();
    rmp_serde::to_vec(&wire).unwrap_or_default()
}

/// A stored batch.
///
/// # Errors
/// Bytes that are not an encoded batch.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<Tick>, rmp_serde::decode::Error> {
    let wire: Vec<(String, f64, i64)> = rmp_serde::from_slice(bytes)?;
    Ok(wire
        .into_iter()
        .map(|(symbol, price, ts_ms)| Tick {
            symbol,
            price,
            ts_ms,
        })
        .collect())
}

/// The hash's fields for `ticks` (`symbol`, `"price ts_ms"`, …).
fn hash_fields(ticks: &[Tick]) -> Vec<String> {
    ticks
        .iter()
        .flat_map(|t| [t.symbol.clone(), format!("{} {}", t.price, t.ts_ms)])
        .collect()
}

/// Reads the hash of last prices.
///
/// # Errors
/// Redis failed.
pub async fn read_last(
    conn: &mut ConnectionManager,
    keys: &Keys,
) -> redis::RedisResult<LastPublished> {
    let fields: HashMap<String, String> = redis::cmd("HGETALL")
        .arg(&keys.last)
        .query_async(conn)
        .await?;
    Ok(LastPublished::from_fields(fields))
}

/// This node's part in a shared feed: whether it holds the lease, and how to stop.
#[derive(Debug)]
pub struct SharedFeed {
    leader: AtomicBool,
    stop: watch::Sender<bool>,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl SharedFeed {
    /// Whether this node holds the feed's lease (and runs the feed).
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Relaxed)
    }

    /// Stops reading the stream and, if this node runs the feed, stops it and gives the
    /// lease up, so another node takes over at its next attempt rather than after the lease
    /// expires. Waits at most a second for Redis.
    pub async fn stop(&self) {
        let _ = self.stop.send(true);
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(1), task).await;
        }
    }
}

/// What a shared feed needs of Redis and the metrics.
pub struct SharedRedis {
    /// Opens the stream reader's own connection.
    pub client: redis::Client,
    /// Lease, publishing and the hash.
    pub conn: ConnectionManager,
    /// The deployment's key prefix.
    pub prefix: String,
    /// `glidepath_market_feed_leader` (labelled with the feed here).
    pub leader_gauge: Option<IntGaugeVec>,
    /// `glidepath_redis_errors_total`.
    pub errors: Option<IntCounter>,
}

/// Lease and stream settings.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Lease time.
    pub lease: Duration,
    /// Renewal (and acquisition) interval.
    pub renew: Duration,
    /// `XADD MAXLEN ~`.
    pub max_len: u64,
}

/// Starts competing for `feed`'s lease (running `plan` while holding it) and reading its
/// stream into `hub`.
pub fn start(
    feed: &'static str,
    plan: FeedPlan,
    hub: Addr<PriceHub>,
    redis: SharedRedis,
    timing: Timing,
) -> Arc<SharedFeed> {
    let (stop, stopped) = watch::channel(false);
    let keys = Keys::new(&redis.prefix, feed);
    let node = uuid::Uuid::new_v4().to_string();
    let shared = Arc::new(SharedFeed {
        leader: AtomicBool::new(false),
        stop,
        tasks: std::sync::Mutex::new(Vec::new()),
    });
    let gauge = redis.leader_gauge.map(|g| g.with_label_values(&[feed]));
    if let Some(gauge) = &gauge {
        gauge.set(0);
    }
    tracing::info!(feed, %node, "the {feed} feed is shared through Redis: one node runs it");
    let leader = Leader {
        feed,
        lease: Lease::new(keys.lease.clone(), node, timing.lease),
        keys: keys.clone(),
        plan,
        conn: redis.conn.clone(),
        max_len: timing.max_len,
        shared: shared.clone(),
        gauge,
        errors: redis.errors.clone(),
        failing: false,
    };
    let reader = Reader {
        client: redis.client,
        conn: redis.conn,
        keys,
        hub,
        last_id: None,
        stream: None,
    };
    let tasks = vec![
        actix_web::rt::spawn(leader.run(timing.renew, stopped.clone())),
        actix_web::rt::spawn(reader.run(redis.errors, stopped)),
    ];
    *shared.tasks.lock().unwrap_or_else(|e| e.into_inner()) = tasks;
    shared
}

/// Hands the running feed's batches to the leader task.
struct Forward(mpsc::UnboundedSender<Vec<Tick>>);

impl Actor for Forward {
    type Context = Context<Self>;
}

impl Handler<Ticks> for Forward {
    type Result = ();

    fn handle(&mut self, Ticks(ticks): Ticks, _: &mut Context<Self>) {
        let _ = self.0.send(ticks);
    }
}

/// The feed this node runs while it holds the lease.
struct Holding {
    feed: RunningFeed,
    batches: mpsc::UnboundedReceiver<Vec<Tick>>,
    /// Replay: the row the next batch is, and the table's length.
    row: Option<(usize, usize)>,
}

struct Leader {
    feed: &'static str,
    lease: Lease,
    keys: Keys,
    plan: FeedPlan,
    conn: ConnectionManager,
    max_len: u64,
    shared: Arc<SharedFeed>,
    gauge: Option<IntGauge>,
    errors: Option<IntCounter>,
    /// Redis is failing: warned once, until it answers again.
    failing: bool,
}

enum Step {
    Stop,
    Beat,
    Batch(Option<Vec<Tick>>),
}

impl Leader {
    async fn run(mut self, every: Duration, mut stop: watch::Receiver<bool>) {
        let mut held: Option<Holding> = None;
        let mut beat = tokio::time::interval(every);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let step = {
                let next = async {
                    match held.as_mut() {
                        Some(h) => h.batches.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = stop.changed() => Step::Stop,
                    _ = beat.tick() => Step::Beat,
                    batch = next => Step::Batch(batch),
                }
            };
            match step {
                Step::Stop => break,
                Step::Beat => self.keep_or_take(&mut held).await,
                Step::Batch(Some(batch)) => self.publish(&mut held, batch).await,
                Step::Batch(None) => {}
            }
        }
        if held.take().is_some() {
            self.stepped_down();
            let _ = self.lease.release(&mut self.conn).await;
            tracing::info!(feed = self.feed, "the feed lease was given up (stopping)");
        }
    }

    fn failed(&mut self, what: &str, error: &redis::RedisError) {
        if let Some(errors) = &self.errors {
            errors.inc();
        }
        if !self.failing {
            self.failing = true;
            tracing::warn!(feed = self.feed, %error, "{what}; trying again every renewal");
        }
    }

    fn answered(&mut self) {
        if self.failing {
            self.failing = false;
            tracing::info!(feed = self.feed, "Redis answers the feed lease again");
        }
    }

    fn stepped_down(&self) {
        self.shared.leader.store(false, Ordering::Relaxed);
        if let Some(gauge) = &self.gauge {
            gauge.set(0);
        }
    }

    /// The holder renews; the others try to take the lease.
    async fn keep_or_take(&mut self, held: &mut Option<Holding>) {
        if let Some(holding) = held.as_ref() {
            match self.lease.renew(&mut self.conn).await {
                Ok(true) => return self.answered(),
                Ok(false) => {
                    self.answered();
                    tracing::warn!(feed = self.feed, "the feed lease lapsed; stopping the feed");
                }
                Err(e) => {
                    self.failed("the feed lease could not be renewed; stopping the feed", &e);
                }
            }
            // Whatever happens next, this node no longer knows it holds the lease: the feed
            // stops now, before another node's starts.
            holding.feed.stop();
            *held = None;
            return self.stepped_down();
        }
        // A lease still ours (a renewal that failed while Redis did not answer) counts as
        // taken: it is renewed.
        let taken = match self.lease.renew(&mut self.conn).await {
            Ok(true) => Ok(true),
            Ok(false) => self.lease.acquire(&mut self.conn).await,
            Err(e) => Err(e),
        };
        let last = match taken {
            Ok(false) => return self.answered(),
            Ok(true) => read_last(&mut self.conn, &self.keys).await,
            Err(e) => Err(e),
        };
        match last {
            Ok(last) => {
                self.answered();
                let (tx, rx) = mpsc::unbounded_channel();
                let target = Forward(tx).start().recipient();
                let (feed, row) = self.plan.start(target, &last);
                *held = Some(Holding {
                    feed,
                    batches: rx,
                    row,
                });
                self.shared.leader.store(true, Ordering::Relaxed);
                if let Some(gauge) = &self.gauge {
                    gauge.set(1);
                }
                tracing::info!(
                    feed = self.feed,
                    resumed_from = last.id.as_deref().unwrap_or("nothing"),
                    "this node holds the feed lease and runs the feed"
                );
            }
            Err(e) => self.failed("the feed lease could not be taken", &e),
        }
    }

    /// Publishes one batch if the lease is still this node's; stops the feed if it is not.
    async fn publish(&mut self, held: &mut Option<Holding>, batch: Vec<Tick>) {
        let Some(holding) = held.as_mut() else {
            return;
        };
        let mut fields = hash_fields(&batch);
        if let Some((row, len)) = holding.row.as_mut() {
            let next = (*row + 1) % (*len).max(1);
            fields.extend(["@row".to_owned(), next.to_string()]);
            *row = next;
        }
        let mut script = PUBLISH_SCRIPT.prepare_invoke();
        script
            .key(&self.keys.lease)
            .key(&self.keys.stream)
            .key(&self.keys.last)
            .arg(self.lease.holder())
            .arg(self.max_len)
            .arg(encode_batch(&batch));
        for field in &fields {
            script.arg(field);
        }
        match script.invoke_async::<Option<String>>(&mut self.conn).await {
            Ok(Some(_)) => self.answered(),
            Ok(None) => {
                self.answered();
                tracing::warn!(
                    feed = self.feed,
                    "the feed lease was taken; stopping the feed"
                );
                holding.feed.stop();
                *held = None;
                self.stepped_down();
            }
            Err(e) => self.failed("a feed batch could not be published", &e),
        }
    }
}

/// Reads the stream into the hub, from the hash's prices on.
struct Reader {
    client: redis::Client,
    conn: ConnectionManager,
    keys: Keys,
    hub: Addr<PriceHub>,
    /// The last entry applied; `None` until the hash was read.
    last_id: Option<String>,
    /// The blocking reads' own connection: a blocked `XREAD` would hold up every command
    /// behind it on the shared, multiplexed one.
    stream: Option<MultiplexedConnection>,
}

impl Reader {
    async fn run(mut self, errors: Option<IntCounter>, mut stop: watch::Receiver<bool>) {
        let mut backoff = BACKOFF_FIRST;
        let mut failing = false;
        loop {
            let read = tokio::select! {
                _ = stop.changed() => return,
                read = self.read() => read,
            };
            match read {
                Ok(()) => {
                    if failing {
                        failing = false;
                        tracing::info!(stream = %self.keys.stream, "reading the feed's stream again");
                    }
                    backoff = BACKOFF_FIRST;
                }
                Err(error) => {
                    if let Some(errors) = &errors {
                        errors.inc();
                    }
                    if !failing {
                        failing = true;
                        tracing::warn!(stream = %self.keys.stream, %error, "the feed's stream cannot be read; the last prices stay, retrying with backoff");
                    }
                    self.stream = None;
                    tokio::select! {
                        _ = stop.changed() => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }

    /// One step: the hash at first, then one blocking read of what follows the last entry.
    async fn read(&mut self) -> redis::RedisResult<()> {
        let from = match &self.last_id {
            Some(id) => id.clone(),
            None => {
                let last = read_last(&mut self.conn, &self.keys).await?;
                if !last.ticks.is_empty() {
                    self.hub.do_send(Ticks(last.ticks));
                }
                let id = last.id.unwrap_or_else(|| "0-0".to_owned());
                self.last_id = Some(id.clone());
                id
            }
        };
        if self.stream.is_none() {
            let config = redis::AsyncConnectionConfig::new()
                .set_response_timeout(Some(READ_BLOCK + Duration::from_secs(3)));
            self.stream = Some(
                self.client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?,
            );
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        let options = StreamReadOptions::default()
            .block(usize::try_from(READ_BLOCK.as_millis()).unwrap_or(2000))
            .count(256);
        let reply: Option<StreamReadReply> =
            redis::AsyncCommands::xread_options(stream, &[&self.keys.stream], &[&from], &options)
                .await?;
        for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
            match entry.get::<Vec<u8>>("b").map(|b| decode_batch(&b)) {
                Some(Ok(ticks)) => self.hub.do_send(Ticks(ticks)),
                _ => tracing::warn!(id = %entry.id, "an unreadable feed batch was skipped"),
            }
            self.last_id = Some(entry.id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_and_last_prices_round_trip_exactly() {
        let ticks = vec![
            Tick {
                symbol: "AAPL".into(),
                price: 101.234_567_890_123,
                ts_ms: 1_700_000_000_123,
            },
            Tick {
                symbol: "MSFT".into(),
                price: 0.1 + 0.2,
                ts_ms: 1_700_000_000_124,
            },
        ];
        assert_eq!(decode_batch(&encode_batch(&ticks)).unwrap(), ticks);
        assert!(decode_batch(b"not a batch").is_err());
        let mut fields: HashMap<String, String> = hash_fields(&ticks)
            .chunks(2)
            .map(|p| (p[0].clone(), p[1].clone()))
            .collect();
        fields.insert("@id".into(), "1700000000125-3".into());
        fields.insert("@row".into(), "17".into());
        fields.insert("BAD".into(), "x y".into());
        let last = LastPublished::from_fields(fields);
        assert_eq!(last.ticks, ticks, "prices come back bit for bit");
        assert_eq!(last.row, Some(17));
        assert_eq!(last.id_ms(), 1_700_000_000_125);
        assert_eq!(last.price("MSFT"), Some(0.1 + 0.2));
        assert_eq!(
            Keys::new("gp:", "synthetic").lease,
            "gp:feed:synthetic:lease"
        );
    }
}
