//! From a plan's asset-class targets to per-position targets: a rebalance trades positions,
//! but a plan says how much of each class to hold.

/// Each position's target weight: its class's target shared among the class's positions in
/// proportion to their values (equally when the class is worth nothing). Classes no position
/// is in cannot be bought into, so their weight is shared among the held classes in
/// proportion to those classes' targets, which keeps the targets summing to 1 whenever any
/// held class has a positive target. A position in no class (`None`) gets 0: it is sold.
///
/// `values[i]` and `classes[i]` describe position `i`; `class_targets[c]` is class `c`'s
/// target. Values must be finite and 0 or more, class indices within `class_targets`.
#[must_use]
pub fn share_class_targets(
    values: &[f64],
    classes: &[Option<usize>],
    class_targets: &[f64],
) -> Vec<f64> {
    let mut class_value = vec![0.0; class_targets.len()];
    let mut class_members = vec![0usize; class_targets.len()];
    for (value, class) in values.iter().zip(classes) {
        if let Some(c) = class.filter(|&c| c < class_targets.len()) {
            class_value[c] += value;
            class_members[c] += 1;
        }
    }
    let held_target: f64 = class_targets
        .iter()
        .zip(&class_members)
        .filter(|(_, m)| **m > 0)
        .map(|(t, _)| t)
        .sum();
    values
        .iter()
        .zip(classes)
        .map(
            |(value, class)| match class.filter(|&c| c < class_targets.len()) {
                Some(c) if held_target > 0.0 => {
                    #[allow(clippy::cast_precision_loss)]
                    let share = if class_value[c] > 0.0 {
                        value / class_value[c]
                    } else {
                        1.0 / class_members[c] as f64
                    };
                    class_targets[c] / held_target * share
                }
                _ => 0.0,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_target_is_shared_by_value_and_an_unheld_class_is_spread_over_the_others() {
        // Classes 0.6 / 0.2 / 0.2; nothing held in class 2, so 0.6 and 0.2 become 0.75 and
        // 0.25. Class 0 holds 300 and 100 (0.75 × 3/4, 0.75 × 1/4); class 1 holds one
        // position worth nothing yet; the last position is in no class of the plan.
        let targets = share_class_targets(
            &[300.0, 100.0, 0.0, 50.0],
            &[Some(0), Some(0), Some(1), None],
            &[0.6, 0.2, 0.2],
        );
        let expected = [0.5625, 0.1875, 0.25, 0.0];
        for (t, e) in targets.iter().zip(expected) {
            assert!((t - e).abs() < 1e-15, "{targets:?}");
        }
        assert!((targets.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn positions_worth_nothing_share_their_class_equally() {
        let targets = share_class_targets(&[0.0, 0.0], &[Some(0), Some(0)], &[1.0]);
        assert_eq!(targets, [0.5, 0.5]);
    }

    #[test]
    fn nothing_in_a_class_with_a_target_gives_all_zeros() {
        let targets = share_class_targets(&[10.0], &[Some(1)], &[1.0, 0.0]);
        assert_eq!(targets, [0.0]);
    }
}
