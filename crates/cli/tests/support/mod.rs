//! Process helpers shared by the multi-process queue tests: the `plumb` binary started against
//! a shared database and master key, killed (SIGKILL) and reaped when dropped.

// Each test binary includes this module and uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_plumb");

/// A child process killed (SIGKILL) and reaped when dropped.
pub struct Proc {
    child: Child,
    name: &'static str,
}

impl Proc {
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("{} exited early: {status}", self.name);
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn plumb(dir: &Path, db_url: &str, key: &str, log: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PLUMB_DATABASE_URL", db_url)
        .env("PLUMB_MASTER_KEY", key)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(log)).unwrap());
    cmd
}

pub fn spawn(name: &'static str, mut cmd: Command) -> Proc {
    Proc {
        child: cmd.spawn().unwrap(),
        name,
    }
}

/// Waits until `p` answers `GET /healthz` with 200 on `addr`. A bare TCP connect is not
/// enough: on loopback a connect to a port nobody listens on can, rarely, connect to itself
/// (TCP simultaneous open when the ephemeral source port equals the target port).
pub fn wait_listening(addr: &str, p: &mut Proc) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        p.assert_running();
        if answers_health(addr) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{} did not start listening on {addr}", p.name);
}

/// Whether a plumb server on `addr` answers `GET /healthz` with 200.
pub fn answers_health(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

/// The status code of `METHOD PATH` (no body) on `addr`; 0 when there is no HTTP answer.
pub fn http_status(addr: &str, method: &str, path: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_err() {
        return 0;
    }
    let mut head = [0u8; 12];
    if s.read_exact(&mut head).is_err() {
        return 0;
    }
    std::str::from_utf8(&head[9..12])
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// The npm `oauth2-mock-server` (installed in `testsupport/` by `scripts/test`) on 127.0.0.1,
/// killed when dropped; answers its issuer URL once its discovery document answers.
pub fn oauth_mock() -> (Proc, String) {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testsupport/node_modules/.bin/oauth2-mock-server");
    assert!(
        bin.exists(),
        "oauth2-mock-server is not installed at {}: run scripts/test",
        bin.display()
    );
    let port = free_port();
    let mut cmd = Command::new(&bin);
    cmd.args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut p = spawn("oauth2-mock-server", cmd);
    let addr = format!("127.0.0.1:{port}");
    let start = Instant::now();
    while http_status(&addr, "GET", "/.well-known/openid-configuration") != 200 {
        p.assert_running();
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "oauth2-mock-server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (p, format!("http://{addr}"))
}
