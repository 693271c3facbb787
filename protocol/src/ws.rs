//! The WebSocket protocol (`GET /ws`), version 1.
//!
//! Two subprotocols carry the same messages: `glidepath.v1.json` in text frames and
//! `glidepath.v1.msgpack` in binary frames (MessagePack maps with field names, so both
//! encodings evolve the same way). Every message is an object with a `type` field.
//! `protocol/README.md` shows an example exchange.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ErrorCode;
use crate::live::{
    Explanation, LiveAlert, LiveState, TickSummary, WealthSource, WhatIfAnswer, WhatIfChanges,
};
use crate::planning::{SolveAnswer, SolveFor};

/// Text frames, JSON.
pub const SUBPROTOCOL_JSON: &str = "glidepath.v1.json";
/// Binary frames, MessagePack.
pub const SUBPROTOCOL_MSGPACK: &str = "glidepath.v1.msgpack";

/// Close codes the server uses besides the standard ones (1000 normal, 1008 policy, 1009 too
/// big, 1011 server error).
pub mod close {
    /// The access token expired without a re-`auth`.
    pub const TOKEN_EXPIRED: u16 = 4001;
    /// No valid `auth` message arrived in time.
    pub const AUTH_REQUIRED: u16 = 4401;
    /// The client stopped reading; its outbound queue stayed full too long.
    pub const TOO_SLOW: u16 = 4008;
    /// The account was deleted or deactivated: its connections end and its tokens are refused.
    pub const ACCOUNT_CLOSED: u16 = 4403;
    /// How long a client closed with 1001 because its node is stopping waits before it
    /// connects again (through the proxy, to another node), in milliseconds; the close
    /// reason carries it as [`GoingAway`] JSON.
    pub const RETRY_AFTER_MS: u64 = 1000;

    /// The reason of the 1001 close a stopping node sends: JSON,
    /// `{"reason":"the server is stopping","retry_after_ms":1000}`.
    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    pub struct GoingAway {
        /// For people.
        pub reason: String,
        /// Wait this long, then connect again and subscribe for a fresh snapshot.
        pub retry_after_ms: u64,
    }

    impl GoingAway {
        /// What a stopping node says.
        #[must_use]
        pub fn stopping() -> Self {
            Self {
                reason: "the server is stopping".to_owned(),
                retry_after_ms: RETRY_AFTER_MS,
            }
        }
    }
}

/// What a client sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// The first message, and again before the token expires: an access token from
    /// `/auth/login` or `/auth/refresh`. Tokens never travel in the URL, which ends up in logs.
    Auth {
        /// The access token.
        token: String,
    },
    /// Answered with `pong` carrying the same nonce.
    Ping {
        /// Any number.
        nonce: u64,
    },
    /// Starts the plan stream of `user_id` (the caller's own when omitted; a client's who
    /// granted the caller access). Answered with a `snapshot`, then `update`s. Subscribing
    /// again to the same stream replaces the subscription (and sends a fresh snapshot).
    Subscribe {
        /// Whose plan.
        #[serde(default)]
        user_id: Option<uuid::Uuid>,
        /// Also send the yearly fan chart (`state.simulation.fan_chart`) in this stream's
        /// snapshots and updates. The session prepares it only while a subscriber asks for
        /// it (about 1 MB per session), so the first snapshot may wait for that (tens of
        /// milliseconds).
        #[serde(default)]
        fan_chart: bool,
    },
    /// Stops a plan stream; answered with `unsubscribed`.
    Unsubscribe {
        /// Whose plan (the caller's own when omitted).
        #[serde(default)]
        user_id: Option<uuid::Uuid>,
    },
    /// Answers the plan with some inputs changed, on the same random numbers; nothing is
    /// stored. Answered with `what_if_result` carrying the same `request_id`.
    WhatIf {
        /// Echoed in the answer.
        request_id: u64,
        /// Whose plan (the caller's own when omitted).
        #[serde(default)]
        user_id: Option<uuid::Uuid>,
        /// The changes.
        changes: WhatIfChanges,
    },
    /// Stores this connection's last what-if on the caller's own plan as the plan. Answered
    /// with `committed`, and the stream updates.
    Commit {
        /// Echoed in the answer.
        request_id: u64,
    },
    /// Explains how the success probability of a plan stream moved since `since_ms`: from
    /// the newest state the session keeps at or before that time (the first state of each
    /// minute, for the last 1,440 minutes that had one, and each subscription's last
    /// snapshot) to the current one. Answered with `explanation`; an `error` naming
    /// `since_ms` when that is before the oldest state kept.
    Explain {
        /// Echoed in the answer.
        request_id: u64,
        /// Whose plan (the caller's own when omitted).
        #[serde(default)]
        user_id: Option<uuid::Uuid>,
        /// The time to explain from (Unix milliseconds).
        since_ms: i64,
    },
    /// Solves the live plan for a target: the value of one input that reaches
    /// `target_success`, the others as they are, starting from the stream's live wealth, on
    /// the session's paths and seed (what `POST /planning/solve` answers for that plan,
    /// wealth, paths and seed). Answered with `solve_result` carrying the same `request_id`,
    /// or an `error` naming the field (`target_success` when no value in range reaches it).
    Solve {
        /// Echoed in the answer.
        request_id: u64,
        /// Whose plan (the caller's own when omitted).
        #[serde(default)]
        user_id: Option<uuid::Uuid>,
        /// The input to solve for.
        #[serde(rename = "for")]
        lever: SolveFor,
        /// The success probability to reach, above 0 and at most 1.
        target_success: f64,
        /// For `equity_share`: the classes that count as equity, as in
        /// `POST /planning/solve`.
        #[serde(default)]
        equity_classes: Option<Vec<String>>,
    },
}

impl ClientMessage {
    /// Decodes a client's frame as the server does: the message in `encoding`, and in JSON
    /// no array where the message has an object (serde would read a struct from an array of
    /// its fields, which no message means). The error is the text of the `error` answer.
    ///
    /// # Errors
    /// The frame is not a client message.
    pub fn from_frame(encoding: Encoding, bytes: &[u8]) -> Result<Self, DecodeError> {
        let message = encoding
            .decode::<Self>(bytes)
            .map_err(|e| DecodeError(format!("not a client message: {e}")))?;
        if encoding == Encoding::Json
            && let (Ok(sent), Ok(read)) = (
                serde_json::from_slice::<serde_json::Value>(bytes),
                serde_json::to_value(&message),
            )
            && let Some(field) = crate::de::array_for_object(&sent, &read)
        {
            return Err(DecodeError(format!(
                "{field} must be a JSON object, not an array"
            )));
        }
        Ok(message)
    }
}

/// What the server sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerMessage {
    /// Authentication succeeded (also after a re-`auth`).
    Welcome {
        /// The caller.
        user_id: uuid::Uuid,
        /// When the token expires (Unix milliseconds): re-`auth` before, or the connection
        /// closes with [`close::TOKEN_EXPIRED`].
        expires_at_ms: i64,
    },
    /// The answer to `ping`.
    Pong {
        /// The ping's nonce.
        nonce: u64,
    },
    /// A message could not be understood or was refused; the connection stays open.
    Error {
        /// The machine-readable code.
        code: ErrorCode,
        /// What went wrong.
        message: String,
        /// The offending field, when one is to blame (`changes.weights`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        field: Option<String>,
        /// The request this answers, when it carried one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        request_id: Option<u64>,
    },
    /// The stream's current state, sent on `subscribe`. `seq` is the stream's sequence number:
    /// the next `update` carries `seq + 1` (plus any `skipped`).
    Snapshot {
        /// Whose plan.
        stream: uuid::Uuid,
        /// The state's sequence number.
        seq: u64,
        /// The state (shared: a session sends the same state to every subscriber).
        #[schema(value_type = LiveState)]
        state: std::sync::Arc<LiveState>,
    },
    /// The stream's new state. `seq == previous seq + 1 + skipped`: a client that sees
    /// anything else missed an update and should `subscribe` again for a fresh snapshot.
    Update {
        /// Whose plan.
        stream: uuid::Uuid,
        /// The state's sequence number.
        seq: u64,
        /// Older updates this connection dropped because a newer one replaced them before
        /// the client read them (latest wins).
        skipped: u64,
        /// Revaluations the session folded into this update (ticks that arrived while it
        /// waited for its minimum interval).
        coalesced: u32,
        /// The prices that moved since the previous update (the tick summary).
        #[schema(value_type = Vec<TickSummary>)]
        ticks: std::sync::Arc<[TickSummary]>,
        /// The newest tick's timestamp (Unix milliseconds), when a tick caused the update.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        newest_tick_ms: Option<i64>,
        /// The state.
        #[schema(value_type = LiveState)]
        state: std::sync::Arc<LiveState>,
        /// Why the success probability moved since the snapshot this subscription last
        /// received; absent when nothing moved and no input changed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Explanation, nullable = false)]
        explanation: Option<std::sync::Arc<Explanation>>,
    },
    /// A rule of the stream's owner fired.
    Alert {
        /// Whose plan.
        stream: uuid::Uuid,
        /// The alert (also stored).
        alert: LiveAlert,
    },
    /// An advisor proposed a change to the stream owner's plan, or the owner answered one:
    /// the proposal as it now stands (the same as `GET /planning/proposals` shows).
    Proposal {
        /// Whose plan.
        stream: uuid::Uuid,
        /// The proposal.
        #[schema(value_type = crate::proposals::Proposal)]
        proposal: std::sync::Arc<crate::proposals::Proposal>,
    },
    /// The live success probability crossed one of the owner's `success_below` thresholds
    /// (either way): the recommendations now, verified on the stream's paths. Also sent to a
    /// new subscriber after its snapshot, when there are any.
    Recommendations {
        /// Whose plan.
        stream: uuid::Uuid,
        /// The recommendations.
        #[schema(value_type = crate::recommendations::LiveRecommendations)]
        recommendations: std::sync::Arc<crate::recommendations::LiveRecommendations>,
    },
    /// The stream ended: on `unsubscribe`, or because access was revoked.
    Unsubscribed {
        /// Whose plan.
        stream: uuid::Uuid,
        /// Why.
        reason: String,
    },
    /// The answer to `what_if`.
    WhatIfResult {
        /// The request's id.
        request_id: u64,
        /// Whose plan.
        stream: uuid::Uuid,
        /// Base and variant.
        // Boxed: two simulations with their goals would make it the largest message by far.
        answer: Box<WhatIfAnswer>,
    },
    /// The what-if was stored as the plan.
    Committed {
        /// The request's id.
        request_id: u64,
    },
    /// The answer to `explain`.
    Explanation {
        /// The request's id.
        request_id: u64,
        /// Whose plan.
        stream: uuid::Uuid,
        /// From the state in force at the requested time to the current one.
        explanation: Explanation,
    },
    /// The answer to `solve`.
    SolveResult {
        /// The request's id.
        request_id: u64,
        /// Whose plan.
        stream: uuid::Uuid,
        /// The live wealth the plan was solved from.
        starting_wealth: f64,
        /// Where it came from (the holdings at market prices, or the plan while nothing
        /// held is priced).
        wealth_source: WealthSource,
        /// The value and what it achieves, with the live paths and seed.
        answer: SolveAnswer,
    },
}

/// Which subprotocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `glidepath.v1.json`.
    Json,
    /// `glidepath.v1.msgpack`.
    MessagePack,
}

/// A frame that does not decode.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

impl Encoding {
    /// The subprotocol name.
    #[must_use]
    pub fn subprotocol(self) -> &'static str {
        match self {
            Self::Json => SUBPROTOCOL_JSON,
            Self::MessagePack => SUBPROTOCOL_MSGPACK,
        }
    }

    /// Parses a subprotocol name.
    #[must_use]
    pub fn from_subprotocol(name: &str) -> Option<Self> {
        [Self::Json, Self::MessagePack]
            .into_iter()
            .find(|e| e.subprotocol() == name)
    }

    /// Encodes a message (JSON text as UTF-8 bytes, or MessagePack).
    ///
    /// # Errors
    /// Serialisation failed (a bug: every message type serialises).
    pub fn encode<T: Serialize>(self, message: &T) -> Result<Vec<u8>, DecodeError> {
        match self {
            Self::Json => serde_json::to_vec(message).map_err(|e| DecodeError(e.to_string())),
            Self::MessagePack => {
                rmp_serde::to_vec_named(message).map_err(|e| DecodeError(e.to_string()))
            }
        }
    }

    /// Decodes a message.
    ///
    /// # Errors
    /// The bytes are not a valid message in this encoding.
    pub fn decode<T: serde::de::DeserializeOwned>(self, bytes: &[u8]) -> Result<T, DecodeError> {
        match self {
            Self::Json => serde_json::from_slice(bytes).map_err(|e| DecodeError(e.to_string())),
            Self::MessagePack => {
                let mut de = rmp_serde::Deserializer::from_read_ref(bytes);
                // rmp-serde allows 1,024 levels: enough for one 64 KiB frame of nested arrays
                // to overflow a worker's stack while serde buffers a tagged message. serde_json
                // stops at 128; so does this.
                de.set_max_depth(MAX_NESTING);
                T::deserialize(&mut de).map_err(|e| DecodeError(e.to_string()))
            }
        }
    }
}

/// The deepest nesting a decoded message may have (serde_json's own limit).
const MAX_NESTING: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deeply_nested_frames_are_refused_in_both_encodings() {
        let depth = 1000;
        let json = format!(
            r#"{{"type":"ping","nonce":1,"x":{}0{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = Encoding::Json
            .decode::<ClientMessage>(json.as_bytes())
            .unwrap_err();
        assert!(err.0.contains("recursion limit"), "{err}");
        // {"type": "ping", "nonce": 1, "x": [[[...nil...]]]}
        let mut msgpack = vec![0x83, 0xa4];
        msgpack.extend(b"type");
        msgpack.push(0xa4);
        msgpack.extend(b"ping");
        msgpack.push(0xa5);
        msgpack.extend(b"nonce");
        msgpack.extend([0x01, 0xa1, b'x']);
        msgpack.extend(std::iter::repeat_n(0x91, depth));
        msgpack.push(0xc0);
        let err = Encoding::MessagePack
            .decode::<ClientMessage>(&msgpack)
            .unwrap_err();
        assert!(err.0.contains("depth limit"), "{err}");
    }

    fn samples() -> (Vec<ClientMessage>, Vec<ServerMessage>) {
        (
            vec![
                ClientMessage::Auth { token: "t".into() },
                ClientMessage::Ping { nonce: 7 },
                ClientMessage::Subscribe {
                    user_id: None,
                    fan_chart: false,
                },
                ClientMessage::Subscribe {
                    user_id: Some(uuid::Uuid::nil()),
                    fan_chart: true,
                },
                ClientMessage::Unsubscribe { user_id: None },
                ClientMessage::WhatIf {
                    request_id: 5,
                    user_id: None,
                    changes: WhatIfChanges {
                        monthly_contribution: Some(2000.0),
                        retirement_month: Some(300),
                        monthly_spending: None,
                        weights: Some(vec![0.5, 0.2, 0.3]),
                    },
                },
                ClientMessage::Commit { request_id: 5 },
                ClientMessage::Explain {
                    request_id: 6,
                    user_id: Some(uuid::Uuid::nil()),
                    since_ms: 1_700_000_000_000,
                },
                ClientMessage::Solve {
                    request_id: 6,
                    user_id: None,
                    lever: SolveFor::MonthlySpending,
                    target_success: 0.85,
                    equity_classes: None,
                },
                ClientMessage::Solve {
                    request_id: 7,
                    user_id: Some(uuid::Uuid::nil()),
                    lever: SolveFor::EquityShare,
                    target_success: 0.5,
                    equity_classes: Some(vec!["us_equity".into()]),
                },
            ],
            vec![
                ServerMessage::Welcome {
                    user_id: uuid::Uuid::nil(),
                    expires_at_ms: 1_700_000_000_000,
                },
                ServerMessage::Pong { nonce: u64::MAX },
                ServerMessage::Error {
                    code: ErrorCode::MalformedRequest,
                    message: "bad".into(),
                    field: Some("changes.weights".into()),
                    request_id: Some(3),
                },
                ServerMessage::Snapshot {
                    stream: uuid::Uuid::nil(),
                    seq: 4,
                    state: crate::live::tests::sample_state().into(),
                },
                ServerMessage::Update {
                    stream: uuid::Uuid::nil(),
                    seq: 9,
                    skipped: 2,
                    coalesced: 3,
                    ticks: vec![TickSummary {
                        symbol: "SPY".into(),
                        price: 512.25,
                        ts_ms: 1_700_000_000_123,
                    }]
                    .into(),
                    newest_tick_ms: Some(1_700_000_000_123),
                    state: crate::live::tests::sample_state().into(),
                    explanation: Some(crate::live::tests::sample_explanation().into()),
                },
                ServerMessage::Update {
                    stream: uuid::Uuid::nil(),
                    seq: 10,
                    skipped: 0,
                    coalesced: 0,
                    ticks: vec![].into(),
                    newest_tick_ms: None,
                    state: crate::live::tests::sample_state().into(),
                    explanation: None,
                },
                ServerMessage::Alert {
                    stream: uuid::Uuid::nil(),
                    alert: LiveAlert {
                        id: uuid::Uuid::nil(),
                        rule_id: None,
                        kind: "success_below".into(),
                        message: "below 80%".into(),
                        value: 0.79,
                        at_ms: 1,
                        recommendation_id: Some(uuid::Uuid::nil()),
                    },
                },
                ServerMessage::Proposal {
                    stream: uuid::Uuid::nil(),
                    proposal: std::sync::Arc::new(crate::proposals::Proposal {
                        id: uuid::Uuid::nil(),
                        advisor_id: uuid::Uuid::nil(),
                        advisor_email: "advisor@example.com".into(),
                        client_id: uuid::Uuid::nil(),
                        message: "Save 200 more a month.".into(),
                        changes: WhatIfChanges {
                            monthly_contribution: Some(1700.0),
                            ..WhatIfChanges::default()
                        },
                        recommendation_id: Some(uuid::Uuid::nil()),
                        success_before: 0.5,
                        success_after: 0.55,
                        status: crate::proposals::ProposalStatus::Pending,
                        created_at: chrono::DateTime::UNIX_EPOCH,
                        answered_at: None,
                    }),
                },
                ServerMessage::Recommendations {
                    stream: uuid::Uuid::nil(),
                    recommendations: std::sync::Arc::new(
                        crate::recommendations::LiveRecommendations {
                            target_success: Some(0.8),
                            success_probability: 0.74,
                            starting_wealth: 251_234.5,
                            recommendations: vec![crate::recommendations::Recommendation {
                                id: uuid::Uuid::nil(),
                                kind: crate::recommendations::RecommendationKind::SaveMore,
                                change: crate::recommendations::RecommendedChange {
                                    monthly_contribution: Some(1750.0),
                                    ..Default::default()
                                },
                                cost: "250 more a month until retirement".into(),
                                reason: "Saving 250 more a month raises it.".into(),
                                success_before: 0.74,
                                success_after: 0.81,
                                success_change: 0.07,
                                standard_error: 0.004,
                                paths: 1000,
                                seed: 42,
                                status: crate::recommendations::RecommendationStatus::New,
                                created_at: chrono::DateTime::UNIX_EPOCH,
                                answered_at: None,
                            }],
                            unavailable: None,
                            computed_at_ms: 1_700_000_000_000,
                        },
                    ),
                },
                ServerMessage::Unsubscribed {
                    stream: uuid::Uuid::nil(),
                    reason: "access revoked".into(),
                },
                ServerMessage::Committed { request_id: 1 },
                ServerMessage::Explanation {
                    request_id: 6,
                    stream: uuid::Uuid::nil(),
                    explanation: crate::live::tests::sample_explanation(),
                },
                ServerMessage::SolveResult {
                    request_id: 6,
                    stream: uuid::Uuid::nil(),
                    starting_wealth: 251_234.5,
                    wealth_source: WealthSource::Holdings,
                    answer: SolveAnswer {
                        lever: SolveFor::EquityShare,
                        value: 0.347,
                        target_success: 0.5,
                        search_success: 0.501,
                        achieved_success: 0.493,
                        standard_error: 0.0158,
                        paths: 1000,
                        seed: 42,
                        equity_classes: Some(vec!["us_equity".into(), "intl_equity".into()]),
                        weights: Some(vec![0.26, 0.087, 0.653]),
                    },
                },
            ],
        )
    }

    #[test]
    fn every_message_round_trips_in_both_encodings() {
        let (client, server) = samples();
        for encoding in [Encoding::Json, Encoding::MessagePack] {
            for m in &client {
                let bytes = encoding.encode(m).expect("encodes");
                assert_eq!(
                    &encoding.decode::<ClientMessage>(&bytes).expect("decodes"),
                    m
                );
            }
            for m in &server {
                let bytes = encoding.encode(m).expect("encodes");
                assert_eq!(
                    &encoding.decode::<ServerMessage>(&bytes).expect("decodes"),
                    m
                );
            }
        }
    }

    /// Checks that each message's JSON form is an instance of its type's schema: the branch
    /// of `oneOf` with the message's `type` names every property the message has, allows
    /// null where it sends null, and requires none it lacks; and that every variant has its
    /// branch.
    fn check_schema<T: ToSchema + Serialize>(messages: &[T], variants: usize) {
        let schema = serde_json::to_value(T::schema()).expect("serialises");
        let branches = schema["oneOf"].as_array().expect("a oneOf of the variants");
        assert_eq!(branches.len(), variants, "{schema:#}");
        for message in messages {
            let json = serde_json::to_value(message).expect("encodes");
            let object = json.as_object().expect("an object");
            let tag = &object["type"];
            let branch = branches
                .iter()
                .find(|b| b["properties"]["type"]["enum"] == serde_json::json!([tag]))
                .unwrap_or_else(|| panic!("no branch for {tag}: {schema:#}"));
            let properties = branch["properties"].as_object().expect("properties");
            for (key, value) in object {
                let property = properties
                    .get(key)
                    .unwrap_or_else(|| panic!("{tag}: {key} not in {branch:#}"));
                if value.is_null() {
                    let nullable = property["type"]
                        .as_array()
                        .is_some_and(|types| types.contains(&"null".into()))
                        || property["oneOf"].as_array().is_some_and(|alternatives| {
                            alternatives.iter().any(|a| a["type"] == "null")
                        });
                    assert!(
                        nullable,
                        "{tag}: {key} is null, which {property} does not allow"
                    );
                }
            }
            for required in branch["required"].as_array().expect("required") {
                let required = required.as_str().expect("a name");
                assert!(object.contains_key(required), "{tag}: lacks {required}");
            }
        }
    }

    #[test]
    fn the_schemas_describe_the_json_form() {
        let (client, server) = samples();
        check_schema(&client, 8);
        check_schema(&server, 13);
    }

    #[test]
    fn frames_decode_as_the_server_answers_them() {
        assert_eq!(
            ClientMessage::from_frame(Encoding::Json, br#"{"type":"ping","nonce":3}"#)
                .expect("decodes"),
            ClientMessage::Ping { nonce: 3 }
        );
        let bad = ClientMessage::from_frame(Encoding::Json, b"{").unwrap_err();
        assert!(bad.0.starts_with("not a client message: "), "{bad}");
        let array = ClientMessage::from_frame(
            Encoding::Json,
            br#"{"type":"what_if","request_id":1,"changes":[1,2,3,[0.5]]}"#,
        )
        .unwrap_err();
        assert_eq!(array.0, "changes must be a JSON object, not an array");
        // MessagePack has no such check: its maps and arrays are what serde reads.
        let bytes = Encoding::MessagePack
            .encode(&ClientMessage::Commit { request_id: 2 })
            .expect("encodes");
        assert_eq!(
            ClientMessage::from_frame(Encoding::MessagePack, &bytes).expect("decodes"),
            ClientMessage::Commit { request_id: 2 }
        );
    }

    #[test]
    fn the_json_form_is_a_tagged_object() {
        let json = String::from_utf8(
            Encoding::Json
                .encode(&ClientMessage::Ping { nonce: 3 })
                .expect("encodes"),
        )
        .expect("utf8");
        assert_eq!(json, r#"{"type":"ping","nonce":3}"#);
        assert!(
            Encoding::Json
                .decode::<ClientMessage>(br#"{"type":"ping","nonce":3,"x":1}"#)
                .is_err()
        );
        assert!(
            Encoding::MessagePack
                .decode::<ClientMessage>(b"\xc1")
                .is_err()
        );
        assert_eq!(
            Encoding::from_subprotocol("glidepath.v1.msgpack"),
            Some(Encoding::MessagePack)
        );
    }
}
