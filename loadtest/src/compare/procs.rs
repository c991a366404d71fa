//! Processes the comparison starts and what it reads about them from `/proc`:
//! CPU time (user+sys) and peak RSS. Every process is owned by a
//! [`ProcGuard`] that kills it by PID when dropped, so every exit path
//! (error, Ctrl-C, panic) stops what was started.

use std::fs;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) and reaped on drop.
#[derive(Debug)]
pub struct ProcGuard {
    pub name: String,
    child: Child,
    stderr_path: PathBuf,
}

impl ProcGuard {
    /// Spawns `cmd` with stdout and stderr to files in `dir`.
    pub fn spawn(name: &str, mut cmd: Command, dir: &Path) -> io::Result<Self> {
        let out = fs::File::create(dir.join(format!("{name}.stdout")))?;
        let stderr_path = dir.join(format!("{name}.stderr"));
        let err = fs::File::create(&stderr_path)?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()?;
        Ok(Self {
            name: name.to_string(),
            child,
            stderr_path,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` once the process has exited.
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// The last lines of its stderr, for error messages.
    pub fn stderr_tail(&self, lines: usize) -> String {
        let text = fs::read_to_string(&self.stderr_path).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Waits until `addr` accepts TCP connections; fails if the process exits
    /// or `timeout` passes, or soon after `ready_marker` appears on its stderr
    /// (the process says it is ready, so a missing listener will not come).
    pub async fn wait_listening(
        &mut self,
        addr: SocketAddr,
        timeout: Duration,
        ready_marker: Option<&str>,
    ) -> Result<(), String> {
        let mut deadline = Instant::now() + timeout;
        let mut marker_seen = false;
        loop {
            if let Some(status) = self.exited() {
                return Err(format!(
                    "{} exited ({status}): {}",
                    self.name,
                    self.stderr_tail(6)
                ));
            }
            let attempt = tokio::time::timeout(
                Duration::from_millis(200),
                tokio::net::TcpStream::connect(addr),
            );
            if let Ok(Ok(_)) = attempt.await {
                return Ok(());
            }
            if let (Some(m), false) = (ready_marker, marker_seen) {
                if fs::read_to_string(&self.stderr_path).is_ok_and(|t| t.contains(m)) {
                    marker_seen = true;
                    deadline = deadline.min(Instant::now() + Duration::from_millis(500));
                }
            }
            if Instant::now() >= deadline {
                return Err(if marker_seen {
                    format!(
                        "{} logged {:?} but nothing listens on {addr}",
                        self.name,
                        ready_marker.unwrap_or_default()
                    )
                } else {
                    format!(
                        "{} is running but {addr} never accepted a connection within {:?}",
                        self.name, timeout
                    )
                });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for ProcGuard {
    fn drop(&mut self) {
        if self.exited().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A temporary directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// User+system CPU seconds of `pid` so far (all threads).
pub fn cpu_seconds(pid: u32, ticks_per_s: f64) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields are counted
    // after the last ')'. There, field 3 (state) is index 0, so utime (14) and
    // stime (15) are indexes 11 and 12.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks_per_s)
}

/// A `/proc/PID/status` size field (`VmHWM`, `VmRSS`) in bytes.
pub fn status_bytes(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kb(&status, field).map(|kb| kb * 1024)
}

fn parse_status_kb(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`, 100 if
/// that cannot be run: the value on every mainstream Linux).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// Finds an executable on PATH (and in the sbin directories, where nginx and
/// haproxy live but which a non-root PATH may lack).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// CPUs this process may run on (`/proc/self/status` Cpus_allowed_list).
pub fn allowed_cpus() -> Vec<usize> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map(|list| parse_cpu_list(list.trim()))
        .unwrap_or_default()
}

fn parse_cpu_list(list: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for part in list.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                    out.extend(a..=b);
                }
            }
            None => out.extend(part.parse::<usize>().ok()),
        }
    }
    out
}

/// Pins every thread of this process to `cpu` (`taskset -a -cp`).
pub fn pin_self(taskset: &Path, cpu: usize) -> Result<(), String> {
    let out = Command::new(taskset)
        .args([
            "-a",
            "-cp",
            &cpu.to_string(),
            &std::process::id().to_string(),
        ])
        .output()
        .map_err(|e| format!("cannot run taskset: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// A free loopback port (bound then released; the small race is acceptable
/// for a benchmark on a quiet machine).
pub fn free_port() -> io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_cpu_and_rss() {
        let t = clock_ticks();
        assert!(t > 0.0);
        let me = std::process::id();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(cpu_seconds(me, t).is_some());
        assert!(status_bytes(me, "VmHWM").unwrap_or(0) > 1 << 20);
        assert!(status_bytes(me, "VmNope").is_none());
    }

    #[test]
    fn parses_cpu_lists_and_status_fields() {
        assert_eq!(parse_cpu_list("0-2,5"), vec![0, 1, 2, 5]);
        assert_eq!(parse_cpu_list("1"), vec![1]);
        assert!(!allowed_cpus().is_empty());
        assert_eq!(
            parse_status_kb("VmRSS:\t  1234 kB\nVmHWM:\t 99 kB", "VmHWM"),
            Some(99)
        );
        assert_eq!(parse_status_kb("VmRSS:\t  1234 kB", "VmRS"), None);
    }
}
