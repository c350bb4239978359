use weir_config::AdaptiveSamplerConfig;

use super::*;
use crate::telemetry::Telemetry;

fn file_at(path: &Path) -> Arc<CheckpointFile> {
    let config = CheckpointConfig {
        path: path.to_string_lossy().into_owned(),
        interval: Duration::from_secs(30),
        max_age: Duration::from_secs(3600),
    };
    Arc::new(CheckpointFile::new(
        "adaptive_sampler",
        &config,
        Telemetry::new().checkpoint("adaptive_sampler"),
    ))
}

#[test]
fn a_write_replaces_the_file_whole_and_leaves_nothing_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sampler.json");
    replace(&path, b"first").unwrap();
    replace(&path, b"second").unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"second");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["sampler.json"]);
}

#[test]
fn a_failed_write_keeps_the_last_checkpoint_and_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_at(&dir.path().join("missing").join("sampler.json"));
    let sampler = AdaptiveSampler::new(&AdaptiveSamplerConfig::default());
    let checkpoint = sampler.checkpoint(&Controllers::new(), SystemTime::now());
    file.save(&checkpoint);
    file.save(&checkpoint);
    assert_eq!(
        (file.metrics.writes.get(), file.metrics.write_failures.get()),
        (0, 2)
    );
    fs::create_dir(dir.path().join("missing")).unwrap();
    file.save(&checkpoint);
    assert_eq!(file.metrics.writes.get(), 1);
    assert_eq!(file.read().unwrap(), Some(checkpoint));
}

#[test]
fn no_file_is_a_first_start_and_garbage_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sampler.json");
    let file = file_at(&path);
    assert!(file.read().unwrap().is_none());
    fs::write(&path, b"\x00\x01 not json").unwrap();
    let error = file.read().unwrap_err();
    assert!(
        error.to_string().contains("truncated or corrupt"),
        "{error}"
    );
}

#[tokio::test]
async fn a_sampler_resumes_from_a_checkpoint_written_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_at(&dir.path().join("sampler.json"));
    let config = AdaptiveSamplerConfig::default();
    let mut controllers = Controllers::new();
    let first = AdaptiveSampler::new(&config);
    // No checkpoint yet: nothing restored.
    assert!(
        first
            .checkpoint(
                &file.resume(&first, Duration::ZERO).await,
                SystemTime::now()
            )
            .is_empty()
    );
    first.decide(&mut controllers, Duration::from_secs(5));
    file.spawn_save(first.checkpoint(&controllers, SystemTime::now()))
        .await
        .unwrap();
    let second = AdaptiveSampler::new(&config);
    let resumed = file.resume(&second, Duration::ZERO).await;
    assert_eq!(
        second.checkpoint(&resumed, SystemTime::now()).len(),
        1,
        "_other"
    );
    assert_eq!(file.metrics.restored_keys.get(), 1);
}
