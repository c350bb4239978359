//! Tests of the disk queue: order, acks, restarts, damage, bounds, and a model-based property test.

use std::collections::{BTreeMap, VecDeque};
use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use proptest::prelude::*;

use super::ack::AckTracker;
use super::reader::Step;
use super::recover::recover;
use super::threads::Counters;
use super::{DiskQueue, DiskQueueError, DiskQueueOptions, Fsync, FullCause, RecordId, segment};

/// Segments of exactly four records of `PAYLOAD` bytes: 20 bytes of header + 4 × (16 + 84).
const PAYLOAD: usize = 84;
const FRAME: u64 = 16 + PAYLOAD as u64;
const FOUR_RECORDS: u64 = 20 + 4 * FRAME;

fn options(segment_size: u64, max_size: u64) -> DiskQueueOptions {
    DiskQueueOptions {
        segment_size,
        ..DiskQueueOptions::new(max_size)
    }
}

/// A payload of `len` bytes that tells which record it is.
fn payload(n: u64, len: usize) -> Bytes {
    let mut bytes = format!("record {n} ").into_bytes();
    bytes.resize(len, b'.');
    Bytes::from(bytes)
}

async fn append_all(queue: &DiskQueue, range: std::ops::Range<u64>) -> Vec<RecordId> {
    let mut ids = Vec::new();
    for n in range {
        ids.push(queue.append(payload(n, PAYLOAD)).await.expect("append"));
    }
    ids
}

async fn take(queue: &DiskQueue, count: usize) -> Vec<(RecordId, Bytes)> {
    let mut records = Vec::new();
    for _ in 0..count {
        let record = tokio::time::timeout(Duration::from_secs(5), queue.next())
            .await
            .expect("a record within 5 s")
            .expect("the queue is open");
        records.push(record);
    }
    records
}

/// Asserts nothing more is delivered (waits a little, as delivery is asynchronous).
async fn assert_drained(queue: &DiskQueue) {
    let more = tokio::time::timeout(Duration::from_millis(100), queue.next()).await;
    assert!(more.is_err(), "unexpected record: {more:?}");
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    files.sort();
    files
}

fn flip_byte(path: &Path, offset: u64) {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .expect("open segment");
    let mut byte = [0u8];
    file.seek(SeekFrom::Start(offset)).expect("seek");
    file.read_exact(&mut byte).expect("read");
    byte[0] ^= 0x40;
    file.seek(SeekFrom::Start(offset)).expect("seek");
    file.write_all(&byte).expect("write");
}

#[tokio::test]
async fn order_is_kept_across_segments() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    let ids = append_all(&queue, 0..30).await;
    assert!(ids.windows(2).all(|w| w[1].get() == w[0].get() + 1));
    assert!(
        segment_files(dir.path()).len() >= 8,
        "30 records span 8 segments"
    );
    let records = take(&queue, 30).await;
    for (n, (id, bytes)) in records.into_iter().enumerate() {
        assert_eq!(id, ids[n]);
        assert_eq!(bytes, payload(n as u64, PAYLOAD));
    }
    assert_drained(&queue).await;
}

#[tokio::test]
async fn acks_out_of_order_and_restart_replays_exactly_the_unacked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    append_all(&queue, 0..20).await;
    let records = take(&queue, 20).await;
    // Workers finish in any order; 4 and 13 are still being exported when weir stops.
    for n in [
        9, 3, 0, 19, 1, 2, 12, 5, 6, 7, 8, 18, 10, 11, 14, 15, 16, 17,
    ] {
        queue.ack(records[n].0);
    }
    queue.close().await.expect("close");

    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("reopen");
    let replayed = take(&queue, 2).await;
    assert_eq!(replayed[0], records[4]);
    assert_eq!(replayed[1], records[13]);
    assert_drained(&queue).await;
    // New ids continue after the old ones.
    let id = queue.append(payload(20, PAYLOAD)).await.expect("append");
    assert!(id > records[19].0);
    assert_eq!(take(&queue, 1).await[0].0, id);
}

#[tokio::test]
async fn segments_are_deleted_once_all_their_records_are_acked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    append_all(&queue, 0..16).await;
    let before = segment_files(dir.path()).len();
    let records = take(&queue, 16).await;
    // Acking records 0..6 completes the first segment (0..4) only.
    for (id, _) in &records[..6] {
        queue.ack(*id);
    }
    queue.sync().await.expect("sync");
    assert_eq!(segment_files(dir.path()).len(), before - 1);
    for (id, _) in &records[6..] {
        queue.ack(*id);
    }
    queue.sync().await.expect("sync");
    // Only the active segment is left.
    assert_eq!(segment_files(dir.path()).len(), 1);
    assert_eq!(queue.stats().bytes, FOUR_RECORDS);
}

#[tokio::test]
async fn a_torn_last_record_is_skipped_and_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(1 << 16, 1 << 20))
        .await
        .expect("open");
    append_all(&queue, 0..10).await;
    drop(queue);
    // A crash in the middle of the last write.
    let last = segment_files(dir.path()).pop().expect("a segment");
    let len = fs::metadata(&last).expect("stat").len();
    OpenOptions::new()
        .write(true)
        .open(&last)
        .expect("open")
        .set_len(len - 30)
        .expect("truncate");

    let queue = DiskQueue::open(dir.path(), options(1 << 16, 1 << 20))
        .await
        .expect("reopen");
    let records = take(&queue, 9).await;
    for (n, (id, bytes)) in records.iter().enumerate() {
        assert_eq!(id.get(), n as u64);
        assert_eq!(*bytes, payload(n as u64, PAYLOAD));
    }
    assert_drained(&queue).await;
    let stats = queue.stats();
    assert_eq!(stats.corrupt_records, 1);
    assert_eq!(stats.corrupt_bytes, FRAME - 30);
    // The torn id is handed out again: it was never durable, so nothing can have acked it.
    let id = queue.append(payload(9, PAYLOAD)).await.expect("append");
    assert_eq!(take(&queue, 1).await, vec![(id, payload(9, PAYLOAD))]);
}

#[tokio::test]
async fn a_bit_flip_skips_the_rest_of_its_segment_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    append_all(&queue, 0..20).await;
    queue.close().await.expect("close");
    // Segment 1 holds records 4..8; damage record 5's payload.
    flip_byte(&dir.path().join(segment::file_name(1)), 20 + FRAME + 16 + 5);

    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("reopen");
    let delivered: Vec<u64> = take(&queue, 17)
        .await
        .into_iter()
        .map(|(id, bytes)| {
            assert_eq!(bytes, payload(id.get(), PAYLOAD));
            id.get()
        })
        .collect();
    let expected: Vec<u64> = (0..5).chain(8..20).collect();
    assert_eq!(delivered, expected);
    assert_drained(&queue).await;
    let stats = queue.stats();
    assert_eq!(stats.corrupt_records, 3, "records 5, 6 and 7");
    assert_eq!(stats.corrupt_bytes, 3 * FRAME);
    // The skipped ids count as done: acking the rest frees every old segment.
    for id in delivered {
        queue.ack(RecordId(id));
    }
    queue.sync().await.expect("sync");
    assert_eq!(segment_files(dir.path()).len(), 1);
}

#[tokio::test]
async fn garbage_in_the_directory_never_stops_the_queue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    append_all(&queue, 0..6).await;
    queue.close().await.expect("close");
    fs::write(dir.path().join("notes.txt"), "not a segment").expect("write");
    fs::write(dir.path().join("0000.seg"), "short name").expect("write");
    fs::create_dir(dir.path().join("00000000000000000050.seg")).expect("mkdir");
    fs::write(dir.path().join(segment::file_name(40)), vec![0xA5; 300]).expect("write");
    fs::write(dir.path().join("ack"), "garbage").expect("write");

    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("reopen");
    let records = take(&queue, 6).await;
    assert_eq!(records[5], (RecordId(5), payload(5, PAYLOAD)));
    assert_drained(&queue).await;
    let stats = queue.stats();
    assert_eq!((stats.corrupt_records, stats.corrupt_bytes), (1, 300));
    assert!(!dir.path().join(segment::file_name(40)).exists());
    assert!(
        dir.path().join("notes.txt").exists(),
        "foreign files are left alone"
    );
    // New segments are numbered past the unusable directory entry.
    let id = queue.append(payload(6, PAYLOAD)).await.expect("append");
    assert_eq!(take(&queue, 1).await[0].0, id);
    assert!(dir.path().join(segment::file_name(51)).exists());
}

#[tokio::test]
async fn full_at_max_size_then_room_again_after_acks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let max_size = 3 * FOUR_RECORDS;
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, max_size))
        .await
        .expect("open");
    let mut appended = 0u64;
    let error = loop {
        match queue.append(payload(appended, PAYLOAD)).await {
            Ok(_) => appended += 1,
            Err(error) => break error,
        }
    };
    assert!(error.is_full(), "{error}");
    assert!(
        matches!(error, DiskQueueError::Full { cause: FullCause::MaxSize(max), .. } if max == max_size)
    );
    assert!(
        error
            .to_string()
            .contains("retry once the exporter has caught up")
    );
    assert_eq!(appended, 12);
    assert!(queue.stats().bytes <= max_size);

    for (id, _) in take(&queue, 12).await {
        queue.ack(id);
    }
    queue
        .append(payload(12, PAYLOAD))
        .await
        .expect("room after acks");
    assert_eq!(take(&queue, 1).await[0].1, payload(12, PAYLOAD));
}

#[tokio::test]
async fn a_crash_after_always_appends_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    append_all(&queue, 0..10).await;
    let delivered = take(&queue, 3).await;
    for (id, _) in &delivered {
        queue.ack(*id);
    }
    // No close: the threads stop without syncing or persisting the read position, as in a crash.
    drop(queue);

    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("reopen");
    // The acks were not persisted: records 0..3 may come again, then every other one, in order.
    let first = take(&queue, 1).await[0].0.get();
    assert!(first <= 3);
    let rest = take(&queue, (9 - first) as usize).await;
    let ids: Vec<u64> = rest.iter().map(|(id, _)| id.get()).collect();
    assert_eq!(ids, ((first + 1)..10).collect::<Vec<_>>());
    assert_drained(&queue).await;
}

#[tokio::test]
async fn interval_appends_survive_a_clean_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = DiskQueueOptions {
        fsync: Fsync::Interval(Duration::from_millis(20)),
        ..options(FOUR_RECORDS, 1 << 20)
    };
    let queue = DiskQueue::open(dir.path(), opts.clone())
        .await
        .expect("open");
    append_all(&queue, 0..9).await;
    queue.sync().await.expect("sync");
    drop(queue);
    let queue = DiskQueue::open(dir.path(), opts).await.expect("reopen");
    assert_eq!(take(&queue, 9).await[8], (RecordId(8), payload(8, PAYLOAD)));
}

#[tokio::test]
async fn concurrent_appenders_each_keep_their_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = Arc::new(
        DiskQueue::open(dir.path(), options(1 << 16, 1 << 24))
            .await
            .expect("open"),
    );
    let tasks: Vec<_> = (0..8u64)
        .map(|task| {
            let queue = Arc::clone(&queue);
            tokio::spawn(async move {
                for n in 0..25u64 {
                    queue
                        .append(payload(task * 1000 + n, 40))
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("appender");
    }
    let records = take(&queue, 200).await;
    assert!(records.windows(2).all(|w| w[0].0 < w[1].0));
    let mut next = [0u64; 8];
    for (_, bytes) in records {
        let n: u64 = std::str::from_utf8(&bytes)
            .expect("utf-8")
            .split(' ')
            .nth(1)
            .and_then(|n| n.parse().ok())
            .expect("a record number");
        let task = (n / 1000) as usize;
        assert_eq!(n % 1000, next[task], "task {task} out of order");
        next[task] += 1;
    }
}

#[tokio::test]
async fn errors_say_what_to_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_a_dir = dir.path().join("file");
    fs::write(&not_a_dir, "").expect("write");
    let error = DiskQueue::open(&not_a_dir, options(FOUR_RECORDS, 1 << 20))
        .await
        .err()
        .expect("a file is not a directory");
    assert!(matches!(error, DiskQueueError::Io { .. }));
    assert!(
        error
            .to_string()
            .contains("check that the directory exists"),
        "{error}"
    );

    let queue = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .expect("open");
    let error = DiskQueue::open(dir.path(), options(FOUR_RECORDS, 1 << 20))
        .await
        .err()
        .expect("locked");
    assert!(
        error
            .to_string()
            .contains("give each exporter its own directory"),
        "{error}"
    );

    let error = queue
        .append(Bytes::from(vec![0; FOUR_RECORDS as usize]))
        .await
        .expect_err("too large");
    assert!(matches!(error, DiskQueueError::TooLarge { .. }), "{error}");

    let error = DiskQueue::open(dir.path().join("other"), options(1 << 20, 1 << 20))
        .await
        .err()
        .expect("max_size below two segments");
    assert!(
        error.to_string().contains("at least twice segment_size"),
        "{error}"
    );
}

#[test]
fn a_full_disk_is_full_not_a_failure() {
    let dir: Arc<Path> = Arc::from(Path::new("/queue"));
    let error = DiskQueueError::io(
        "append to",
        Path::new("/queue/x.seg"),
        &dir,
        std::io::Error::from(std::io::ErrorKind::StorageFull),
    );
    assert!(matches!(
        error,
        DiskQueueError::Full {
            cause: FullCause::NoSpace,
            ..
        }
    ));
}

#[test]
fn damage_in_the_active_segment_moves_the_writer_to_a_new_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir: Arc<Path> = Arc::from(dir.path());
    let counters = Arc::new(Counters::default());
    let recovered = recover(&dir, &options(1 << 16, 1 << 20), &counters).expect("recover");
    let (mut writer, mut reader) = (recovered.writer, recovered.reader);
    for n in 0..3 {
        writer.write(&payload(n, PAYLOAD).into()).expect("write");
    }
    writer.commit().expect("commit");
    flip_byte(&segment::path(&dir, 0), 20 + FRAME + 16);

    let mut next =
        |writer: &super::writer::Writer| reader.next(writer.committed(), writer.active_seq());
    assert!(matches!(next(&writer), Step::Record(id, _) if id.get() == 0));
    assert!(matches!(next(&writer), Step::RotateActive));
    assert!(matches!(next(&writer), Step::Wait));
    writer.request_rotation();
    let record = payload(3, PAYLOAD).into();
    assert!(writer.needs_rotation(&record));
    writer.rotate().expect("rotate");
    writer.write(&record).expect("write");
    writer.commit().expect("commit");
    match next(&writer) {
        Step::Skipped(ids) => {
            assert_eq!(ids, 1..3);
            writer.skipped(ids);
        }
        other => panic!("expected the damaged ids to be skipped, got {other:?}"),
    }
    assert!(matches!(next(&writer), Step::Record(id, _) if id.get() == 3));
    assert_eq!(counters.stats().corrupt_records, 2);
}

#[test]
fn ack_tracker_moves_past_holes_once_filled() {
    let mut acks = AckTracker::new(10);
    acks.ack(12..13);
    acks.ack(14..15);
    acks.ack(13..14);
    assert_eq!(acks.watermark(), 10);
    acks.ack(5..11);
    assert_eq!(acks.watermark(), 11);
    acks.ack(11..12);
    assert_eq!(acks.watermark(), 15);
    acks.ack(20..30);
    acks.ack(16..25);
    acks.ack(15..16);
    assert_eq!(acks.watermark(), 30);
}

proptest! {
    #[test]
    fn ack_tracker_reaches_the_end_in_any_order(order in Just((0..64u64).collect::<Vec<_>>()).prop_shuffle()) {
        let mut acks = AckTracker::new(0);
        let mut done = [false; 64];
        for id in order {
            acks.ack(id..id + 1);
            done[id as usize] = true;
            let expected = done.iter().position(|d| !d).unwrap_or(64) as u64;
            prop_assert_eq!(acks.watermark(), expected);
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Append(usize),
    Take,
    Ack(usize),
    /// `close`, then reopen.
    Restart,
    /// Drop without `close` (threads stop without syncing or persisting acks), then reopen.
    Crash,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0usize..120).prop_map(Op::Append),
        6 => Just(Op::Take),
        4 => any::<usize>().prop_map(Op::Ack),
        1 => Just(Op::Restart),
        1 => Just(Op::Crash),
    ]
}

/// Whether the queue must deliver a record again, or may (acked, but maybe not persisted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owed {
    Must,
    May,
}

/// What the queue must do, kept in memory.
#[derive(Default)]
struct Model {
    /// Records not known to be done, with their payloads.
    records: BTreeMap<RecordId, (Bytes, Owed)>,
    /// What the queue delivers next, in order.
    to_deliver: VecDeque<RecordId>,
    in_flight: Vec<RecordId>,
    /// Acked since the last clean close: a crash may bring them back.
    acked_since_close: BTreeMap<RecordId, Bytes>,
}

impl Model {
    fn must_deliver(&self) -> bool {
        self.to_deliver
            .iter()
            .any(|id| self.records[id].1 == Owed::Must)
    }

    /// Checks a delivered record: records the queue may skip are done once it passes them.
    fn delivered(&mut self, id: RecordId, bytes: &Bytes) {
        while let Some(&next) = self.to_deliver.front() {
            if next == id {
                break;
            }
            assert_eq!(
                self.records[&next].1,
                Owed::May,
                "record {next} must come before {id}"
            );
            assert!(next < id, "order");
            self.to_deliver.pop_front();
            self.records.remove(&next);
        }
        assert_eq!(
            self.to_deliver.pop_front(),
            Some(id),
            "unexpected record {id}"
        );
        let record = self.records.get_mut(&id).expect("known record");
        assert_eq!(*bytes, record.0);
        record.1 = Owed::Must;
        self.in_flight.push(id);
    }

    fn reopened(&mut self, crashed: bool) {
        let acked = std::mem::take(&mut self.acked_since_close);
        if crashed {
            for (id, bytes) in acked {
                self.records.insert(id, (bytes, Owed::May));
            }
        }
        self.in_flight.clear();
        self.to_deliver = self.records.keys().copied().collect();
    }
}

async fn run_model(dir: &Path, ops: Vec<Op>) {
    // Small segments, so that rotation and deletion happen often.
    let opts = options(300, 1 << 20);
    let mut queue = DiskQueue::open(dir, opts.clone()).await.expect("open");
    let mut model = Model::default();
    let mut last_id = None;
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Append(len) => {
                let bytes = payload(step as u64, len);
                let id = queue.append(bytes.clone()).await.expect("append");
                assert!(last_id < Some(id), "ids increase");
                last_id = Some(id);
                model.records.insert(id, (bytes, Owed::Must));
                model.to_deliver.push_back(id);
            }
            Op::Take => {
                if model.must_deliver() {
                    let (id, bytes) = take(&queue, 1).await.remove(0);
                    model.delivered(id, &bytes);
                }
            }
            Op::Ack(pick) => {
                if !model.in_flight.is_empty() {
                    let id = model.in_flight.swap_remove(pick % model.in_flight.len());
                    queue.ack(id);
                    let (bytes, _) = model.records.remove(&id).expect("in flight");
                    model.acked_since_close.insert(id, bytes);
                }
            }
            Op::Restart => {
                queue.close().await.expect("close");
                queue = DiskQueue::open(dir, opts.clone()).await.expect("reopen");
                model.reopened(false);
            }
            Op::Crash => {
                drop(queue);
                queue = DiskQueue::open(dir, opts.clone()).await.expect("reopen");
                model.reopened(true);
            }
        }
    }
    // Everything still owed is delivered, in order.
    while model.must_deliver() {
        let (id, bytes) = take(&queue, 1).await.remove(0);
        model.delivered(id, &bytes);
    }
    if model.to_deliver.is_empty() {
        assert_drained(&queue).await;
    }
    assert_eq!(queue.stats().corrupt_records, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_unacked_record_is_delivered_once_after_each_restart(ops in proptest::collection::vec(op(), 1..80)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(run_model(dir.path(), ops));
    }
}
