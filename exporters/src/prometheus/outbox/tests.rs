use super::*;
use crate::fixtures::{encoded, metrics};

fn outbox(external: &[(&str, &str)], max: usize) -> Outbox {
    Outbox::new(
        Settings::default(),
        external.iter().copied().collect(),
        NonZeroUsize::new(max).unwrap(),
    )
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
    let request = outbox.front().expect("one request");
    assert_eq!(request.series[0].labels.get("cluster"), Some("eu-1"));
    outbox.written();
    assert!(outbox.front().is_none());
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
    outbox.written();
    assert!(outbox.front().is_none());
}
