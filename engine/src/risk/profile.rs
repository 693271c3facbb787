//! The combined profile: tolerance, capacity and need each limit the equity share, and the
//! recommendation is the least share that satisfies all three.
//!
//! - Tolerance (what the investor is willing to bear) gives a band of equity shares
//!   ([`super::Band::equity_range`]).
//! - Capacity (what the plan can bear) caps the share at what its largest bearable fall
//!   allows ([`super::capacity::equity_cap`]).
//! - Need (what the plan requires) is the least share that reaches the target success
//!   ([`super::need`]).
//!
//! The shares acceptable to all three run from the larger of the need and the band's lower
//! edge to the smaller of the band's upper edge and the cap. The recommendation is that
//! interval's least share: as much risk as the plan needs and the investor is comfortable
//! with, and no more. The one that sets it binds. When the need is above what tolerance and
//! capacity allow (or no share reaches the target), taking more risk is not the answer: the
//! plan must change (save more, spend less, retire later), and the recommendation is the
//! most the other two allow. When tolerance asks for more than capacity allows, capacity
//! binds.

/// Which part sets the recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// The band's lower edge (the need is below it, or unknown).
    Tolerance,
    /// The capacity cap (below what tolerance or need ask for).
    Capacity,
    /// The need (within what tolerance and capacity allow), or a need beyond them.
    Need,
}

/// What the plan needs of the equity share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NeedShare {
    /// This least share reaches the target.
    Reachable(f64),
    /// No share does.
    Unreachable,
}

/// The parts known (each `None` when it could not be found: no answers, no plan).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Parts {
    /// The tolerance band's equity range.
    pub tolerance: Option<(f64, f64)>,
    /// The capacity cap.
    pub capacity: Option<f64>,
    /// The need.
    pub need: Option<NeedShare>,
}

/// The combined profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Profile {
    /// The least share acceptable to every known part (before any conflict).
    pub lowest: f64,
    /// The most share every known part allows.
    pub highest: f64,
    /// The recommended equity share.
    pub recommended: f64,
    /// What sets it.
    pub binding: Binding,
    /// The need is beyond what tolerance and capacity allow: the plan must change, not the
    /// risk.
    pub plan_must_change: bool,
}

/// The profile of `parts`; `None` when neither tolerance nor need is known (a cap alone
/// recommends nothing).
#[must_use]
pub fn combine(parts: Parts) -> Option<Profile> {
    if parts.tolerance.is_none() && parts.need.is_none() {
        return None;
    }
    let (tolerance_low, tolerance_high) = parts.tolerance.unwrap_or((0.0, 1.0));
    let cap = parts.capacity.unwrap_or(1.0);
    let highest = tolerance_high.min(cap);
    let need = match parts.need {
        Some(NeedShare::Reachable(share)) => Some(share),
        Some(NeedShare::Unreachable) => {
            return Some(Profile {
                lowest: highest,
                highest,
                recommended: highest,
                binding: Binding::Need,
                plan_must_change: true,
            });
        }
        None => None,
    };
    let lowest = need.unwrap_or(0.0).max(tolerance_low);
    if lowest <= highest {
        // The least acceptable share: the need sets it when it is at or above the band's
        // lower edge (or there is no band).
        let binding = match (need, parts.tolerance) {
            (Some(n), Some(_)) if n >= tolerance_low => Binding::Need,
            (Some(_), None) => Binding::Need,
            _ => Binding::Tolerance,
        };
        return Some(Profile {
            lowest,
            highest,
            recommended: lowest,
            binding,
            plan_must_change: false,
        });
    }
    // Nothing satisfies every part: the most that is allowed.
    let need_beyond = need.is_some_and(|n| n > highest);
    Some(Profile {
        lowest,
        highest,
        recommended: highest,
        binding: if need_beyond {
            Binding::Need
        } else {
            Binding::Capacity
        },
        plan_must_change: need_beyond,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(
        tolerance: Option<(f64, f64)>,
        capacity: Option<f64>,
        need: Option<NeedShare>,
    ) -> Parts {
        Parts {
            tolerance,
            capacity,
            need,
        }
    }

    #[test]
    fn the_least_acceptable_share_is_recommended() {
        // Average band 0.4–0.6, capacity 0.9, need 0.5: the need sets it.
        let p = combine(parts(
            Some((0.4, 0.6)),
            Some(0.9),
            Some(NeedShare::Reachable(0.5)),
        ))
        .expect("known");
        assert_eq!(
            (p.recommended, p.binding, p.plan_must_change),
            (0.5, Binding::Need, false)
        );
        assert_eq!((p.lowest, p.highest), (0.5, 0.6));
        // Need 0.25 is below the band: the band's lower edge.
        let p = combine(parts(
            Some((0.4, 0.6)),
            Some(0.9),
            Some(NeedShare::Reachable(0.25)),
        ))
        .expect("known");
        assert_eq!((p.recommended, p.binding), (0.4, Binding::Tolerance));
        // Need exactly at the lower edge: the need binds.
        let p = combine(parts(
            Some((0.4, 0.6)),
            Some(0.9),
            Some(NeedShare::Reachable(0.4)),
        ))
        .expect("known");
        assert_eq!((p.recommended, p.binding), (0.4, Binding::Need));
    }

    #[test]
    fn capacity_binds_below_tolerance() {
        // High band 0.8–1 but the plan can only bear 0.55.
        let p = combine(parts(
            Some((0.8, 1.0)),
            Some(0.55),
            Some(NeedShare::Reachable(0.3)),
        ))
        .expect("known");
        assert_eq!(
            (p.recommended, p.binding, p.plan_must_change),
            (0.55, Binding::Capacity, false)
        );
    }

    #[test]
    fn a_need_beyond_tolerance_and_capacity_means_changing_the_plan() {
        let p = combine(parts(
            Some((0.2, 0.4)),
            Some(0.9),
            Some(NeedShare::Reachable(0.7)),
        ))
        .expect("known");
        assert_eq!(
            (p.recommended, p.binding, p.plan_must_change),
            (0.4, Binding::Need, true)
        );
        let p = combine(parts(
            Some((0.2, 0.4)),
            Some(0.3),
            Some(NeedShare::Unreachable),
        ))
        .expect("known");
        assert_eq!(
            (p.recommended, p.binding, p.plan_must_change),
            (0.3, Binding::Need, true)
        );
    }

    #[test]
    fn missing_parts_leave_the_others() {
        assert_eq!(combine(Parts::default()), None);
        assert_eq!(combine(parts(None, Some(0.5), None)), None);
        // Answers but no plan: the band's lower edge.
        let p = combine(parts(Some((0.6, 0.8)), None, None)).expect("known");
        assert_eq!(
            (p.recommended, p.highest, p.binding),
            (0.6, 0.8, Binding::Tolerance)
        );
        // A plan but no answers: the need, under the cap.
        let p = combine(parts(None, Some(0.7), Some(NeedShare::Reachable(0.45)))).expect("known");
        assert_eq!(
            (p.recommended, p.highest, p.binding),
            (0.45, 0.7, Binding::Need)
        );
    }
}
