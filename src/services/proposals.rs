//! Advisors' proposals: an advisor with a client's grant suggests a change to the client's
//! plan, with its effect measured on the live simulation; the client accepts (the change
//! becomes the plan, and the live stream re-simulates) or declines. Every step is audited
//! and shown live on the client's stream, which the advisor watches too.

use std::sync::Arc;

use protocol::live::WhatIfChanges;
use protocol::proposals::{MAX_MESSAGE_CHARS, NewProposal, Proposal, ProposalStatus};
use protocol::recommendations::RecommendationStatus;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::audit::AuditEvent;
use crate::store::{self, StoreError, proposals::ProposalRow};

/// Most proposals a list shows (newest first).
const LIST_LIMIT: i64 = 100;

/// What the client answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Store the change as the plan.
    Accept,
    /// Leave the plan as it is.
    Decline,
}

impl Answer {
    fn status(self) -> ProposalStatus {
        match self {
            Self::Accept => ProposalStatus::Accepted,
            Self::Decline => ProposalStatus::Declined,
        }
    }
}

fn to_wire(row: ProposalRow) -> Result<Proposal, ApiError> {
    let id = row.id;
    let corrupt =
        |what: &str| ApiError::from(StoreError::Corrupt(format!("proposal {id}: {what}")));
    let status = ProposalStatus::parse(&row.status).ok_or_else(|| corrupt("unknown status"))?;
    let changes: WhatIfChanges =
        serde_json::from_value(row.changes.0.clone()).map_err(|_| corrupt("changes"))?;
    Ok(Proposal {
        id: row.id,
        advisor_id: row.advisor_id,
        advisor_email: row.advisor_email,
        client_id: row.client_id,
        message: row.message,
        changes,
        recommendation_id: row.recommendation_id,
        success_before: row.success_before,
        success_after: row.success_after,
        status,
        created_at: row.created_at,
        answered_at: row.answered_at,
    })
}

fn is_empty(changes: &WhatIfChanges) -> bool {
    changes.monthly_contribution.is_none()
        && changes.retirement_month.is_none()
        && changes.monthly_spending.is_none()
        && changes.weights.is_none()
}

/// 404 unless `client` has granted `advisor` access (as for a client that does not exist).
async fn require_grant(state: &AppState, advisor: Uuid, client: Uuid) -> Result<(), ApiError> {
    if advisor != client && store::grants::exists(&state.db, client, advisor).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

async fn record(
    state: &AppState,
    actor: Uuid,
    proposal: &Proposal,
    action: &str,
    ip: &str,
) -> Result<(), ApiError> {
    state
        .db
        .audit(AuditEvent {
            actor_id: Some(actor),
            subject_id: Some(proposal.client_id),
            action,
            ip: Some(ip),
            details: serde_json::json!({
                "proposal_id": proposal.id,
                "advisor_id": proposal.advisor_id,
            }),
        })
        .await?;
    Ok(())
}

/// The what-if of `client`'s open recommendation `id`.
///
/// # Errors
/// 422 naming `recommendation_id` when it is not one of the client's open recommendations,
/// or changes the fee or a goal (which a what-if cannot).
async fn from_recommendation(
    state: &AppState,
    client: Uuid,
    id: Uuid,
) -> Result<WhatIfChanges, ApiError> {
    let open = super::recommendations::list(state, client)
        .await?
        .into_iter()
        .find(|r| r.id == id && r.status == RecommendationStatus::New)
        .ok_or_else(|| {
            ApiError::invalid(
                "recommendation_id",
                "is not one of the client's open recommendations",
            )
        })?;
    if open.change.annual_fee.is_some() {
        return Err(ApiError::invalid(
            "recommendation_id",
            "a fee change cannot be proposed as a what-if; the client can accept it from \
             their recommendations",
        ));
    }
    if open.change.goal.is_some() {
        return Err(ApiError::invalid(
            "recommendation_id",
            "a goal's trade-off cannot be proposed as a what-if; the client can accept it \
             from their recommendations",
        ));
    }
    Ok(WhatIfChanges {
        monthly_contribution: open.change.monthly_contribution,
        retirement_month: open.change.retirement_month,
        monthly_spending: open.change.monthly_spending,
        weights: open.change.weights,
    })
}

/// `advisor` proposes `new` to `client`: validated against the client's plan and measured
/// on the client's live simulation (what-if on the same random numbers) before it is stored.
///
/// # Errors
/// 404 without a grant; 422 naming `message` or a bad change (`changes.*`); 503 while the
/// client's live plan is being prepared.
pub async fn create(
    state: &AppState,
    advisor: Uuid,
    client: Uuid,
    new: NewProposal,
    ip: &str,
) -> Result<Proposal, ApiError> {
    let message = new.message.trim();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::invalid(
            "message",
            format!("must be 1 to {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    let (what_if, recommendation_id) = match (new.changes, new.recommendation_id) {
        (Some(changes), None) => {
            if is_empty(&changes) {
                return Err(ApiError::invalid(
                    "changes",
                    "must change at least one of monthly_contribution, retirement_month, \
                     monthly_spending and weights",
                ));
            }
            require_grant(state, advisor, client).await?;
            (changes, None)
        }
        (None, Some(id)) => {
            require_grant(state, advisor, client).await?;
            (from_recommendation(state, client, id).await?, Some(id))
        }
        _ => {
            return Err(ApiError::invalid(
                "changes",
                "give either changes (a what-if) or recommendation_id (one of the client's \
                 open recommendations)",
            ));
        }
    };
    let effect = super::live::what_if(state, advisor, client, what_if.clone()).await?;
    let changes = serde_json::to_value(&what_if).map_err(anyhow::Error::from)?;
    let row = store::proposals::insert(
        &state.db,
        store::proposals::NewProposalRow {
            advisor_id: advisor,
            client_id: client,
            message,
            changes: &changes,
            success_before: effect.base.success_probability,
            success_after: effect.variant.success_probability,
            recommendation_id,
        },
    )
    .await?;
    let proposal = to_wire(row)?;
    record(state, advisor, &proposal, "proposal.created", ip).await?;
    super::live_hooks::proposal_changed(state, Arc::new(proposal.clone()));
    Ok(proposal)
}

/// The proposals made to `client`, newest first.
///
/// # Errors
/// Storage failures.
pub async fn for_client(state: &AppState, client: Uuid) -> Result<Vec<Proposal>, ApiError> {
    store::proposals::list_for_client(&state.db, client, LIST_LIMIT)
        .await?
        .into_iter()
        .map(to_wire)
        .collect()
}

/// The proposals `advisor` made to `client`, newest first.
///
/// # Errors
/// 404 without a grant; storage failures.
pub async fn by_advisor(
    state: &AppState,
    advisor: Uuid,
    client: Uuid,
) -> Result<Vec<Proposal>, ApiError> {
    require_grant(state, advisor, client).await?;
    store::proposals::list_by_advisor(&state.db, advisor, client, LIST_LIMIT)
        .await?
        .into_iter()
        .map(to_wire)
        .collect()
}

/// `client`'s recommendations, for `advisor` to propose one.
///
/// # Errors
/// 404 without a grant; storage failures.
pub async fn client_recommendations(
    state: &AppState,
    advisor: Uuid,
    client: Uuid,
) -> Result<Vec<protocol::recommendations::Recommendation>, ApiError> {
    require_grant(state, advisor, client).await?;
    super::recommendations::list(state, client).await
}

/// `client` answers their proposal `id`. Accepting stores the change as the plan (the live
/// stream re-simulates); only a pending proposal can be answered, and only once.
///
/// # Errors
/// 404 when it is not the client's; 409 when it was answered already; 422 naming the
/// change (`changes.*`) when it no longer fits the plan (its asset classes changed since).
pub async fn answer(
    state: &AppState,
    client: Uuid,
    id: Uuid,
    answer: Answer,
    ip: &str,
) -> Result<Proposal, ApiError> {
    let row = store::proposals::get_for_client(&state.db, client, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let proposal = to_wire(row)?;
    let already = || ApiError::Conflict {
        detail: "the proposal was answered already".into(),
        field: None,
    };
    if proposal.status != ProposalStatus::Pending {
        return Err(already());
    }
    let status = answer.status();
    if !store::proposals::answer(&state.db, client, id, status.as_str()).await? {
        return Err(already());
    }
    if answer == Answer::Accept
        && let Err(e) = super::live::commit(state, client, &proposal.changes).await
    {
        store::proposals::reopen(&state.db, client, id).await?;
        return Err(e);
    }
    if answer == Answer::Accept
        && let Some(recommendation) = proposal.recommendation_id
    {
        // Its change is the plan now; if the client answered it meanwhile, that answer stands.
        let _answered_now = store::recommendations::answer(
            &state.db,
            client,
            recommendation,
            RecommendationStatus::Accepted.as_str(),
        )
        .await?;
    }
    let answered = store::proposals::get_for_client(&state.db, client, id)
        .await?
        .ok_or(ApiError::NotFound)
        .and_then(to_wire)?;
    let action = match answer {
        Answer::Accept => "proposal.accepted",
        Answer::Decline => "proposal.declined",
    };
    record(state, client, &answered, action, ip).await?;
    super::live_hooks::proposal_changed(state, Arc::new(answered.clone()));
    Ok(answered)
}
