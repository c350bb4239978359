//! Names of rotated files: `<stem>-<UTC time to the millisecond>.<ext>`, which sort by age.

use std::path::Path;

/// `YYYY-MM-DDTHH-MM-SS.mmm`: no colons, so the names are valid everywhere.
const TIMESTAMP_LEN: usize = 23;

/// The parts of the exporter's file name a rotated name is made from.
#[derive(Clone, Debug)]
pub(crate) struct BackupNames {
    stem: String,
    extension: Option<String>,
}

impl BackupNames {
    /// Names for backups of `path`.
    pub(crate) fn new(path: &Path) -> Self {
        BackupNames {
            stem: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            extension: path.extension().map(|s| s.to_string_lossy().into_owned()),
        }
    }

    /// The backup name for a rotation at `unix_millis`.
    pub(crate) fn name(&self, unix_millis: u64) -> String {
        let timestamp = timestamp(unix_millis);
        match &self.extension {
            Some(extension) => format!("{}-{timestamp}.{extension}", self.stem),
            None => format!("{}-{timestamp}", self.stem),
        }
    }

    /// Whether `name` is one of our backups (and not, say, another exporter's file in the same directory).
    pub(crate) fn is_backup(&self, name: &str) -> bool {
        let Some(rest) = name
            .strip_prefix(&self.stem)
            .and_then(|rest| rest.strip_prefix('-'))
        else {
            return false;
        };
        let timestamp = match &self.extension {
            Some(extension) => rest
                .strip_suffix(extension)
                .and_then(|rest| rest.strip_suffix('.')),
            None => Some(rest),
        };
        timestamp.is_some_and(is_timestamp)
    }
}

/// Formats `unix_millis` as `YYYY-MM-DDTHH-MM-SS.mmm` in UTC.
fn timestamp(unix_millis: u64) -> String {
    let millis = unix_millis % 1000;
    let secs = unix_millis / 1000;
    let (hour, minute, second) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let (year, month, day) = civil_from_days(secs / 86_400);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}-{minute:02}-{second:02}.{millis:03}")
}

fn is_timestamp(s: &str) -> bool {
    s.len() == TIMESTAMP_LEN
        && s.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 | 13 | 16 => b == b'-',
            10 => b == b'T',
            19 => b == b'.',
            _ => b.is_ascii_digit(),
        })
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_to_the_millisecond() {
        assert_eq!(timestamp(0), "1970-01-01T00-00-00.000");
        assert_eq!(timestamp(1_700_000_000_123), "2023-11-14T22-13-20.123");
        assert_eq!(timestamp(951_782_400_000), "2000-02-29T00-00-00.000");
        assert_eq!(timestamp(4_107_542_399_999), "2100-02-28T23-59-59.999");
    }

    #[test]
    fn names_keep_the_extension_and_are_recognised() {
        let names = BackupNames::new(Path::new("/var/weir/traces.json"));
        let name = names.name(1_700_000_000_123);
        assert_eq!(name, "traces-2023-11-14T22-13-20.123.json");
        assert!(names.is_backup(&name));
        assert!(!names.is_backup("traces.json"));
        assert!(!names.is_backup("traces-old.json"));
        assert!(!names.is_backup("logs-2023-11-14T22-13-20.123.json"));

        let bare = BackupNames::new(Path::new("spans"));
        assert_eq!(bare.name(0), "spans-1970-01-01T00-00-00.000");
        assert!(bare.is_backup("spans-1970-01-01T00-00-00.000"));
    }

    #[test]
    fn names_sort_by_age() {
        let names = BackupNames::new(Path::new("t.json"));
        let times = [999, 1_000, 59_999, 86_400_000, 1_700_000_000_000];
        let sorted: Vec<_> = times.iter().map(|&t| names.name(t)).collect();
        let mut resorted = sorted.clone();
        resorted.sort();
        assert_eq!(sorted, resorted);
    }
}
