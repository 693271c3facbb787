//! The plan a session simulates: the base model's inputs and, when the stored plan switches
//! any on, its model extensions, with which of three ways answers it.
//!
//! - [`Method::Base`]: no extension that moves wealth (none at all, or only a spending floor,
//!   which the stream does not report): the base model's prepared simulation, exactly as for
//!   a plan without extensions.
//! - [`Method::Incremental`]: no cash flow depends on wealth (needs, income, events, a glide
//!   path, any return or inflation model), so each path's wealth stays affine in the starting
//!   wealth and a prepared extended plan (`engine::sim::extended::prepared`) answers any live
//!   wealth in microseconds.
//! - [`Method::Resimulated`]: wants, wishes or a withdrawal strategy other than constant real
//!   spending make cash flows depend on wealth, which breaks the affine argument: the plan is
//!   simulated again at each (coalesced) live wealth.

use engine::sim::Plan;
use engine::sim::extended::Extensions;
use engine::sim::extended::prepared::wealth_dependence;
use protocol::extensions::GoalPriority;

/// A goal as the stream names it.
#[derive(Debug, Clone, PartialEq)]
pub struct GoalLabel {
    /// Its label.
    pub name: String,
    /// Its month.
    pub month: u32,
    /// Its priority.
    pub priority: GoalPriority,
}

/// A stored plan's model extensions as a session simulates them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelExtensions {
    /// The switches simulated.
    pub model: Extensions,
    /// The goals' labels, in the order of `model.goals`.
    pub goals: Vec<GoalLabel>,
    /// What of the stored extensions `model` leaves out, and why (a bootstrap whose history
    /// could not be read from the holdings); shown with every answer.
    pub left_out: Option<String>,
}

/// How a session answers its plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// The base model's prepared simulation.
    Base,
    /// A prepared extended plan, answered without drawing.
    Incremental,
    /// Simulated again at each live wealth, for the reason given (the switch whose cash
    /// flows depend on wealth).
    Resimulated(&'static str),
}

/// The plan a session simulates.
#[derive(Debug, Clone, PartialEq)]
pub struct LivePlan {
    /// The base model's inputs.
    pub base: Plan,
    /// The stored plan's model extensions; `None` when it has none.
    pub extensions: Option<ModelExtensions>,
}

impl From<Plan> for LivePlan {
    fn from(base: Plan) -> Self {
        Self {
            base,
            extensions: None,
        }
    }
}

impl LivePlan {
    /// How its answers are computed.
    #[must_use]
    pub fn method(&self) -> Method {
        let Some(model) = self.extended() else {
            return Method::Base;
        };
        wealth_dependence(model).map_or(Method::Incremental, Method::Resimulated)
    }

    /// The switches that move wealth, when any does (what the extended modes simulate).
    #[must_use]
    pub fn extended(&self) -> Option<&Extensions> {
        let model = &self.extensions.as_ref()?.model;
        // The spending floor only shapes the spending report, which the stream leaves out.
        let moves_wealth = Extensions {
            spending_floor: None,
            ..Extensions::default()
        } != Extensions {
            spending_floor: None,
            ..model.clone()
        };
        moves_wealth.then_some(model)
    }
}

#[cfg(test)]
mod tests {
    use engine::sim::extended::{Goal, Priority, Withdrawal};
    use engine::sim::reference::p1;

    use super::*;

    fn with(model: Extensions) -> LivePlan {
        LivePlan {
            base: p1(),
            extensions: Some(ModelExtensions {
                model,
                ..ModelExtensions::default()
            }),
        }
    }

    #[test]
    fn the_method_follows_what_the_switches_do_to_wealth() {
        assert_eq!(LivePlan::from(p1()).method(), Method::Base);
        // Stored but moving nothing: a floor, or everything left out.
        let floor = with(Extensions {
            spending_floor: Some(3000.0),
            ..Extensions::default()
        });
        assert_eq!(floor.method(), Method::Base);
        assert!(floor.extended().is_none());
        assert_eq!(with(Extensions::default()).method(), Method::Base);

        let need = Goal {
            amount: 10_000.0,
            month: 12,
            priority: Priority::Need,
        };
        let needs = with(Extensions {
            goals: vec![need],
            ..Extensions::default()
        });
        assert_eq!(needs.method(), Method::Incremental);
        let wish = with(Extensions {
            goals: vec![Goal {
                priority: Priority::Wish,
                ..need
            }],
            ..Extensions::default()
        });
        assert!(matches!(wish.method(), Method::Resimulated(why) if why.contains("wishes")));
        let guardrails = with(Extensions {
            withdrawal: Withdrawal::GuytonKlinger {
                guardrail: 0.2,
                adjustment: 0.1,
                protected_final_years: 15,
            },
            ..Extensions::default()
        });
        assert!(
            matches!(guardrails.method(), Method::Resimulated(why) if why.contains("withdrawal"))
        );
    }
}
