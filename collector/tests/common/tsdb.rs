//! Real remote-write receivers for the end-to-end tests, Debian's Prometheus and VictoriaMetrics, on
//! free loopback ports with their data in a temp dir, read back through their PromQL query API.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use super::{eventually, free_port, get};

/// A time-series database process with a remote-write receiver; killed when dropped.
pub struct Tsdb {
    child: Option<Child>,
    /// `http://127.0.0.1:port`.
    pub url: String,
    dir: tempfile::TempDir,
    /// How it was started, to start it again on the same port and data.
    binary: PathBuf,
    args: Vec<String>,
    ready: &'static str,
}

impl Tsdb {
    /// Debian's Prometheus with its remote-write receiver on, started with `flags` besides.
    pub async fn prometheus(flags: &[&str]) -> Tsdb {
        let binary = which("prometheus").expect(
            "prometheus is not installed: scripts/test.sh installs Debian's `prometheus` (apt-get install prometheus)",
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "scrape_configs: []\n").expect("write prometheus.yml");
        let address = format!("127.0.0.1:{}", free_port());
        let args = vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.path().join("data").display()),
            format!("--web.listen-address={address}"),
            "--web.enable-remote-write-receiver".to_owned(),
        ];
        let args = args
            .into_iter()
            .chain(flags.iter().map(|f| (*f).to_owned()))
            .collect();
        Tsdb::start(binary, args, dir, &address, "/-/ready").await
    }

    /// Debian's VictoriaMetrics (single node), its remote-write receiver at `/api/v1/write`.
    pub async fn victoria_metrics() -> Tsdb {
        let binary = which("victoria-metrics").expect(
            "victoria-metrics is not installed: scripts/test.sh installs Debian's `victoria-metrics` (apt-get install victoria-metrics)",
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let address = format!("127.0.0.1:{}", free_port());
        let args = vec![
            format!("-storageDataPath={}", dir.path().join("data").display()),
            format!("-httpListenAddr={address}"),
            "-retentionPeriod=1d".to_owned(),
            // By default queries leave out the last 30 s, which hold everything a test sends, and
            // cache answers, which would hide a value that has changed since.
            "-search.latencyOffset=0s".to_owned(),
            "-search.disableCache".to_owned(),
        ];
        Tsdb::start(binary, args, dir, &address, "/health").await
    }

    async fn start(
        binary: PathBuf,
        args: Vec<String>,
        dir: tempfile::TempDir,
        address: &str,
        ready: &'static str,
    ) -> Tsdb {
        let mut tsdb = Tsdb {
            child: None,
            url: format!("http://{address}"),
            dir,
            binary,
            args,
            ready,
        };
        tsdb.restart().await;
        tsdb
    }

    /// Stops the process as a service manager would (SIGTERM, then waits for it to exit).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    /// Starts the process (again) on its port and data, and waits until it is ready.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "the time-series database is running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("tsdb.log"))
            .expect("log file");
        let child = Command::new(&self.binary)
            .args(&self.args)
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start the time-series database");
        self.child = Some(child);
        let ready_url = format!("{}{}", self.url, self.ready);
        let ready = eventually(Duration::from_secs(30), async || {
            matches!(get(&ready_url).await, Ok((200, _, _)))
        })
        .await;
        let exited = self
            .child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_some());
        if !ready || exited {
            panic!(
                "the time-series database did not get ready:\n{}",
                self.logs()
            );
        }
    }

    /// What the process logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tsdb.log")).unwrap_or_default()
    }

    /// The remote-write receiver's URL.
    pub fn write_url(&self) -> String {
        format!("{}/api/v1/write", self.url)
    }

    /// The instant vector `query` evaluates to now: each sample's labels and value.
    pub async fn query(&self, query: &str) -> Vec<(serde_json::Value, f64)> {
        let url = format!("{}/api/v1/query?query={}", self.url, percent_encode(query));
        let Ok((200, _, body)) = get(&url).await else {
            return Vec::new();
        };
        let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON answer");
        answer["data"]["result"]
            .as_array()
            .map(|samples| {
                samples
                    .iter()
                    .map(|sample| {
                        let value = sample["value"][1].as_str().and_then(|v| v.parse().ok());
                        (sample["metric"].clone(), value.unwrap_or(f64::NAN))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The value of the single sample `query` gives, once there is one (`None` after 20 s).
    pub async fn value(&self, query: &str) -> Option<f64> {
        let mut found = None;
        eventually(Duration::from_secs(20), async || {
            found = match self.query(query).await.as_slice() {
                [(_, value)] => Some(*value),
                _ => None,
            };
            found.is_some()
        })
        .await;
        found
    }

    /// Like [`Self::value`], waiting until the value is `expected`; returns the last value seen.
    pub async fn value_reaching(&self, query: &str, expected: f64) -> Option<f64> {
        let mut found = None;
        eventually(Duration::from_secs(20), async || {
            found = self.value(query).await;
            found == Some(expected)
        })
        .await;
        found
    }
}

impl Drop for Tsdb {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|path| path.is_file())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
