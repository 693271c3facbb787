use super::*;

/// Three tight groups of (age, wealth in thousands, success): young savers, wealthy
/// retirees, and those at risk.
fn three_groups() -> Vec<Vec<f64>> {
    let mut rows = Vec::new();
    for i in 0..6 {
        let e = f64::from(i) * 0.01;
        rows.push(vec![30.0 + e, 50.0 + e, 0.60 + e / 10.0]);
        rows.push(vec![68.0 + e, 2000.0 + e, 0.95 - e / 10.0]);
        rows.push(vec![55.0 + e, 150.0 + e, 0.20 + e / 10.0]);
    }
    rows
}

#[test]
fn well_separated_groups_are_found_as_they_are() {
    let rows = three_groups();
    let s = segment(&rows, &[0.0; 3], 5, 7).unwrap();
    assert_eq!(s.segments.len(), 3, "{s:?}");
    assert!(s.silhouette.unwrap() > 0.9, "{s:?}");
    // Every client lands with the others of its group (rows cycle through the groups).
    for (i, label) in s.labels.iter().enumerate() {
        assert_eq!(*label, s.labels[i % 3], "client {i}");
    }
    assert_eq!(s.segments.iter().map(|g| g.size).sum::<usize>(), 18);
    // Each centre is its group's mean, in the features' own units.
    let retirees = &s.segments[s.labels[1]];
    assert!((retirees.centre[0] - 68.025).abs() < 1e-9, "{retirees:?}");
    // And what sets it apart is its wealth and age, both above the book's mean.
    assert!(retirees.traits.iter().all(|t| t.z > NOTABLE_Z));
    assert!(
        retirees.traits.iter().any(|t| t.feature == 1),
        "{retirees:?}"
    );
}

#[test]
fn the_same_seed_gives_the_same_segments() {
    let rows = three_groups();
    assert_eq!(
        segment(&rows, &[0.0; 3], 5, 3).unwrap(),
        segment(&rows, &[0.0; 3], 5, 3).unwrap()
    );
}

#[test]
fn segments_are_numbered_largest_first() {
    let mut rows = three_groups();
    for i in 0..4 {
        rows.push(vec![55.0 + f64::from(i) * 0.01, 150.0, 0.2]);
    }
    let s = segment(&rows, &[0.0; 3], 5, 1).unwrap();
    let sizes: Vec<usize> = s.segments.iter().map(|g| g.size).collect();
    assert_eq!(sizes, [10, 6, 6]);
    assert_eq!(s.labels[2], 0, "the group that grew is segment 0");
}

#[test]
fn a_book_without_structure_or_too_small_is_one_segment() {
    // Clients alike in every feature have nothing to separate them.
    let alike = vec![vec![40.0, 300.0, 0.8]; 8];
    let s = segment(&alike, &[0.0; 3], 5, 1).unwrap();
    assert_eq!((s.segments.len(), s.silhouette), (1, None), "{s:?}");
    assert_eq!(s.segments[0].size, 8);
    let small = vec![vec![1.0, 2.0], vec![100.0, 200.0], vec![1.5, 2.5]];
    let s = segment(&small, &[0.0; 2], 5, 1).unwrap();
    assert_eq!((s.segments.len(), s.silhouette), (1, None));
    assert_eq!(s.labels, [0, 0, 0]);
    assert_eq!(
        s.segments[0].centre,
        [34.166666666666664, 68.16666666666667]
    );
    // A segment that is the whole book sets nothing apart.
    assert!(s.segments[0].traits.is_empty());
    let empty = segment(&[], &[], 5, 1).unwrap();
    assert!(empty.segments.is_empty() && empty.labels.is_empty());
}

#[test]
fn a_feature_all_clients_share_counts_for_nothing() {
    let mut rows = three_groups();
    for (i, row) in rows.iter_mut().enumerate() {
        // The same share, summed in another order for some clients: a last bit apart.
        row.push(if i % 2 == 0 { 0.8 } else { 0.8 + f64::EPSILON });
    }
    let s = segment(&rows, &[0.0; 4], 5, 7).unwrap();
    assert_eq!(s.segments.len(), 3);
    assert!(
        s.segments
            .iter()
            .all(|g| g.traits.iter().all(|t| t.feature != 3))
    );
}

#[test]
fn bad_input_is_named() {
    assert_eq!(
        segment(&[vec![1.0, 2.0], vec![1.0]], &[0.0; 2], 3, 1),
        Err(SegmentError::Ragged {
            row: 1,
            found: 1,
            expected: 2
        })
    );
    assert_eq!(
        segment(&[vec![1.0, f64::NAN]], &[0.0; 2], 3, 1),
        Err(SegmentError::NotFinite { row: 0, feature: 1 })
    );
    assert_eq!(segment(&[vec![1.0]], &[0.0], 0, 1), Err(SegmentError::MaxK));
    for resolution in [&[0.0][..], &[0.0, -1.0], &[0.0, f64::NAN]] {
        assert_eq!(
            segment(&[vec![1.0, 2.0]], resolution, 3, 1),
            Err(SegmentError::Resolution(2))
        );
    }
}

#[test]
fn differences_within_a_features_resolution_set_no_one_apart() {
    // Two groups by age; their success probabilities differ by a point or two, as the live
    // simulation's own noise does.
    let mut rows = Vec::new();
    for i in 0..4 {
        let noise = [0.0, 0.02, 0.01, 0.015][i];
        rows.push(vec![30.0 + i as f64, 0.60 + noise]);
        rows.push(vec![70.0 + i as f64, 0.61 - noise]);
    }
    let s = segment(&rows, &[2.0, 0.05], 5, 1).unwrap();
    assert_eq!(s.segments.len(), 2, "{s:?}");
    for g in &s.segments {
        assert_eq!(g.traits.len(), 1, "{g:?}");
        assert_eq!(g.traits[0].feature, 0);
    }
    // Scaled by its own spread instead, the noise would be a trait of both.
    let stretched = segment(&rows, &[2.0, 0.0], 5, 1).unwrap();
    assert!(
        stretched
            .segments
            .iter()
            .any(|g| g.traits.iter().any(|t| t.feature == 1)),
        "{stretched:?}"
    );
}
