//! The `dateline serve` process the test kills, and `dateline user create` for the desk.

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{EMAIL, PASSWORD};

/// The signal `kill -9` sends, the same number on every Unix.
const SIGKILL: i32 = 9;

/// A `dateline serve` child process, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    log: PathBuf,
}

impl Server {
    /// Starts `dateline serve` on `database_url` (loading the demo newsroom if `demo`) and
    /// waits until `/healthz` answers.
    pub(crate) async fn start(database_url: &str, demo: bool) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::env::temp_dir().join(format!("dateline-crash-{port}.log"));
        let output = File::create(&log).expect("a log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_dateline"));
        command.args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        if demo {
            command.arg("--demo");
        }
        let child = command
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "warn")
            .stdout(output.try_clone().expect("a log file handle"))
            .stderr(output)
            .spawn()
            .expect("start dateline");
        let mut server = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the child's state") {
                panic!("dateline ended ({status}) before serving:\n{}", self.log());
            }
            if let Ok(response) = client.get(format!("{}/healthz", self.url)).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("dateline did not come up within 30 s:\n{}", self.log());
    }

    /// Kills the process with SIGKILL, as `kill -9` or the OOM killer would, and reaps it.
    pub(crate) fn kill(mut self) {
        self.child.kill().expect("send SIGKILL");
        let status = self.child.wait().expect("reap the server");
        assert_eq!(
            status.signal(),
            Some(SIGKILL),
            "the server ended by itself ({status}) before it was killed:\n{}",
            self.log()
        );
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// `dateline user create`: an editor writing as the demo's `admin` profile.
pub(crate) async fn create_desk_account(database_url: &str) {
    let database_url = database_url.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_dateline"))
            .args(["user", "create", "--email", EMAIL, "--role", "editor"])
            .args(["--author", "admin"])
            .env("DATABASE_URL", database_url)
            .env("DATELINE_PASSWORD", PASSWORD)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("run dateline user create")
    })
    .await
    .expect("the command ran");
    assert!(
        output.status.success(),
        "dateline user create failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
