use super::*;
use crate::fixtures::{encoded, gauges, metrics};

fn outbox(external: &[(&str, &str)], max: usize) -> Outbox {
    Outbox::new(
        Settings::default(),
        external.iter().copied().collect(),
        samples(max),
        NonZeroUsize::MIN,
    )
}

/// At most `max` samples per request, and no byte limit.
fn samples(max: usize) -> Limits {
    Limits {
        samples: NonZeroUsize::new(max).unwrap(),
        bytes: NonZeroUsize::MAX,
    }
}

/// Whether every request of the batch held has been written.
fn sent_all(outbox: &mut Outbox) -> bool {
    outbox.lanes_mut().iter().all(Lane::is_empty)
}

#[test]
fn external_labels_fill_in_without_overriding() {
    let mut labels: Labels = [("__name__", "up"), ("job", "checkout")]
        .into_iter()
        .collect();
    let external: Labels = [("job", "ignored"), ("cluster", "eu-1"), ("zone", "b")]
        .into_iter()
        .collect();
    labels.add_missing(&external);
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .map(|l| (l.name.as_str(), l.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("__name__", "up"),
            ("cluster", "eu-1"),
            ("job", "checkout"),
            ("zone", "b")
        ]
    );
}

#[test]
fn a_batch_is_held_until_its_requests_are_written() {
    let mut outbox = outbox(&[("cluster", "eu-1")], 1);
    let batch = encoded(&metrics(1));
    assert!(!outbox.holds(&batch));
    outbox.fill(&batch);
    assert!(outbox.holds(&batch));
    let lane = &mut outbox.lanes_mut()[0];
    let request = lane.front().expect("one request");
    assert_eq!(request.series[0].labels.get("cluster"), Some("eu-1"));
    lane.pop_front();
    assert!(sent_all(&mut outbox));
    assert!(outbox.holds(&batch), "a retry finds nothing left to send");
    // The same request decoded again is another batch.
    assert!(!outbox.holds(&encoded(&metrics(1))));
}

#[test]
fn a_new_batch_replaces_what_was_left() {
    let mut outbox = outbox(&[], 1);
    outbox.fill(&encoded(&metrics(1)));
    let next = encoded(&metrics(1));
    outbox.fill(&next);
    assert!(outbox.holds(&next));
    outbox.lanes_mut()[0].pop_front();
    assert!(sent_all(&mut outbox));
}

#[test]
fn series_are_dealt_whole_into_lanes_of_about_equal_samples() {
    let mut outbox = Outbox::new(
        Settings::default(),
        Labels::default(),
        samples(3),
        NonZeroUsize::new(4).unwrap(),
    );
    // 12 series of 4 samples each, and target_info.
    outbox.fill(&encoded(&gauges(12, 4)));
    let lanes = outbox.lanes_mut();
    assert_eq!(lanes.len(), 4);
    let mut seen = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for lane in lanes.iter() {
        let mut in_lane = std::collections::HashSet::new();
        for request in lane {
            assert!(request.point_count() <= 3);
            for series in &request.series {
                in_lane.insert(series.labels.clone());
            }
        }
        for labels in &in_lane {
            assert!(
                seen.insert(labels.clone()),
                "a series in two lanes: {labels:?}"
            );
        }
        samples.push(lane.iter().map(|r| r.point_count()).sum::<usize>());
    }
    let (least, most) = (samples.iter().min().unwrap(), samples.iter().max().unwrap());
    assert!(*least > 0 && most - least <= most / 2 + 1, "{samples:?}");
}
