//! The targets of a comparison: the direct path (generator -> sink) and the
//! proxies in front of the sink, each started with a generated config in a
//! temporary directory and pinned to the proxy core.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::procs::{self, ProcGuard};
use super::scenario::Group;

/// Which proxy (or none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    Direct,
    Planeguard,
    Nginx,
    Haproxy,
}

impl TargetKind {
    pub const ALL: [TargetKind; 4] = [
        TargetKind::Direct,
        TargetKind::Planeguard,
        TargetKind::Nginx,
        TargetKind::Haproxy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Direct => "direct",
            TargetKind::Planeguard => "planeguard",
            TargetKind::Nginx => "nginx",
            TargetKind::Haproxy => "haproxy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the OTLP paths through this target are scrubbed (so a canary
    /// at the sink is a leak). Peers pass OTLP through untouched.
    pub fn scrubs(self) -> bool {
        self == TargetKind::Planeguard
    }
}

/// A process serving some groups.
#[derive(Debug)]
pub struct Instance {
    pub proc: Option<ProcGuard>,
    pub groups: Vec<(Group, SocketAddr)>,
    /// Spawn to listening, for processes.
    pub ready_ms: Option<f64>,
    /// RSS right after start.
    pub idle_rss: Option<u64>,
}

/// A started (or partly failed) target.
#[derive(Debug)]
pub struct Target {
    pub kind: TargetKind,
    pub instances: Vec<Instance>,
    /// Groups this target could not serve, and why.
    pub failures: BTreeMap<Group, String>,
    pub version: Option<String>,
}

/// Where to send a group's load, and which process to watch.
pub struct Endpoint {
    pub addr: SocketAddr,
    pub pid: Option<u32>,
}

impl Target {
    pub fn endpoint(&self, group: Group) -> Result<Endpoint, String> {
        if let Some(e) = self.failures.get(&group) {
            return Err(e.clone());
        }
        self.instances
            .iter()
            .find_map(|i| {
                i.groups
                    .iter()
                    .find(|(g, _)| *g == group)
                    .map(|(_, addr)| Endpoint {
                        addr: *addr,
                        pid: i.proc.as_ref().map(ProcGuard::pid),
                    })
            })
            .ok_or_else(|| format!("{} does not serve {}", self.kind.as_str(), group.as_str()))
    }

    /// Highest peak RSS (VmHWM) over this target's processes.
    pub fn peak_rss(&self) -> Option<u64> {
        self.instances
            .iter()
            .filter_map(|i| i.proc.as_ref())
            .filter_map(|p| procs::status_bytes(p.pid(), "VmHWM"))
            .max()
    }

    pub fn idle_rss(&self) -> Option<u64> {
        self.instances.iter().filter_map(|i| i.idle_rss).max()
    }

    pub fn ready_ms(&self) -> Option<f64> {
        self.instances
            .iter()
            .filter_map(|i| i.ready_ms)
            .fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.max(v))))
    }

    /// A target that failed as a whole.
    fn failed(kind: TargetKind, groups: &[Group], why: &str) -> Self {
        Target {
            kind,
            instances: Vec::new(),
            failures: groups.iter().map(|g| (*g, why.to_string())).collect(),
            version: None,
        }
    }
}

/// The sink's two ports: OTLP (hyper, h1 and h2c) and plain HTTP/1.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SinkPorts {
    pub otlp: SocketAddr,
    pub plain: SocketAddr,
}

impl SinkPorts {
    /// Where a group's requests end up.
    pub fn for_group(&self, g: Group) -> SocketAddr {
        match g {
            Group::Plain => self.plain,
            Group::OtlpHttp | Group::OtlpGrpc => self.otlp,
        }
    }
}

/// Reads `program` once so that its pages are in the page cache: the
/// readiness figure then measures the process's own start, not the disk. A
/// binary fresh from a build (or evicted by one) is paged in on demand at
/// its first start, which took planeguard 50-70 ms here against 9-13 ms
/// from the cache, while the peers' installed binaries were already cached.
fn warm_page_cache(program: &Path) {
    if let Ok(mut f) = std::fs::File::open(program) {
        let _ = std::io::copy(&mut f, &mut std::io::sink());
    }
}

/// How to start processes.
pub struct Launch<'a> {
    pub dir: &'a Path,
    pub sink: SinkPorts,
    /// `Some((taskset, cpu))` pins each proxy to `cpu`.
    pub pin: Option<(PathBuf, usize)>,
    pub groups: &'a [Group],
}

impl Launch<'_> {
    fn command(&self, program: &Path) -> Command {
        warm_page_cache(program);
        match &self.pin {
            Some((taskset, cpu)) => {
                let mut c = Command::new(taskset);
                c.arg("-c").arg(cpu.to_string()).arg(program);
                c
            }
            None => Command::new(program),
        }
    }

    /// Spawns, waits for every address, measures readiness and idle RSS.
    async fn start(
        &self,
        name: &str,
        cmd: Command,
        groups: Vec<(Group, SocketAddr)>,
        ready_marker: Option<&str>,
    ) -> Result<Instance, String> {
        let t0 = Instant::now();
        let mut proc = ProcGuard::spawn(name, cmd, self.dir)
            .map_err(|e| format!("cannot start {name}: {e}"))?;
        let mut seen = Vec::new();
        for (_, addr) in &groups {
            if !seen.contains(addr) {
                proc.wait_listening(*addr, Duration::from_secs(10), ready_marker)
                    .await?;
                seen.push(*addr);
            }
        }
        let ready_ms = t0.elapsed().as_secs_f64() * 1e3;
        // Let a freshly started process settle before its idle RSS is read.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let idle_rss = procs::status_bytes(proc.pid(), "VmRSS");
        Ok(Instance {
            proc: Some(proc),
            groups,
            ready_ms: Some(ready_ms),
            idle_rss,
        })
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn port() -> Result<u16, String> {
    procs::free_port().map_err(|e| format!("no free port: {e}"))
}

/// The direct path: the generator talks to the sink itself.
pub fn direct(sink: SinkPorts, groups: &[Group]) -> Target {
    Target {
        kind: TargetKind::Direct,
        instances: vec![Instance {
            proc: None,
            groups: groups.iter().map(|g| (*g, sink.for_group(*g))).collect(),
            ready_ms: None,
            idle_rss: None,
        }],
        failures: BTreeMap::new(),
        version: None,
    }
}

/// planeguard: one process per group (plain proxying through the admission
/// listener, OTLP/HTTP and OTLP/gRPC through the strict profile).
pub async fn planeguard(launch: &Launch<'_>, bin: &Path) -> Target {
    let mut t = Target {
        kind: TargetKind::Planeguard,
        instances: Vec::new(),
        failures: BTreeMap::new(),
        version: version_of(bin, &["--version"]),
    };
    if !bin.is_file() {
        let why = format!(
            "target failed to start: no planeguard binary at {} (build it with `cargo build --release -p planeguard` or pass --planeguard PATH)",
            bin.display()
        );
        return Target::failed(TargetKind::Planeguard, launch.groups, &why);
    }
    let key = launch.dir.join("hmac.key");
    if let Err(e) = fs::write(&key, "loadtest-hmac-key-0123456789abcdef\n") {
        let why = format!(
            "target failed to start: cannot write {}: {e}",
            key.display()
        );
        return Target::failed(TargetKind::Planeguard, launch.groups, &why);
    }
    for &group in launch.groups {
        match start_planeguard_group(launch, bin, group, &key).await {
            Ok(i) => t.instances.push(i),
            Err(e) => {
                t.failures
                    .insert(group, format!("target failed to start: {e}"));
            }
        }
    }
    t
}

async fn start_planeguard_group(
    launch: &Launch<'_>,
    bin: &Path,
    group: Group,
    key: &Path,
) -> Result<Instance, String> {
    let listen = loopback(port()?);
    let admin = loopback(port()?);
    let yaml = planeguard_yaml(group, listen, admin, launch.sink.for_group(group), key);
    let name = format!("planeguard-{}", group.as_str());
    let path = launch.dir.join(format!("{name}.yaml"));
    fs::write(&path, yaml).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let mut cmd = launch.command(bin);
    cmd.arg("run").arg("--config").arg(&path);
    launch
        .start(&name, cmd, vec![(group, listen)], Some("planeguard ready"))
        .await
        .map_err(|e| match group {
            Group::Plain => format!(
                "{e} (plain proxying needs planeguard's admission listener with `proxy_protocol: forbidden`; config {})",
                path.display()
            ),
            _ => e,
        })
}

/// The strict profile of the sidecar example (`config/examples/sidecar.yaml`),
/// the metadata-plane profile the design describes.
fn strict_profile(key: &Path) -> String {
    format!(
        r#"profiles:
  metadata-plane:
    mode: strict
    allow_keys: [service.name, service.version, k8s.pod.name, k8s.namespace.name,
                 resolver.name, latency_ms, error.type, "http.*"]
    deny_keys: ["*.password", "user.*"]
    hash_keys: [query.id]
    hash_key: "${{file:{}}}"
    features: ["user.*", "transaction.*"]
    custom:
      - {{ name: order_id, regex: "ORD-[0-9]{{10}}" }}
    on_match: redact
"#,
        key.display()
    )
}

/// planeguard's config for one group.
pub fn planeguard_yaml(
    group: Group,
    listen: SocketAddr,
    admin: SocketAddr,
    sink: SocketAddr,
    key: &Path,
) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# generated by planeguard-loadtest compare ({})",
        group.as_str()
    );
    let _ = writeln!(y, "admin: {{ listen: {admin} }}");
    let telemetry = "telemetry: { log_format: text, log_level: info }\n";
    match group {
        Group::Plain => {
            let _ = write!(
                y,
                r#"otlp:
  grpc: {{ enabled: false }}
  http: {{ enabled: false }}
flows:
  query_execution: {{ enabled: true }}
admission:
  listen: {listen}
  proxy_protocol: forbidden
  routes: [{{ methods: [POST, GET], path: "/*" }}]
  upstream: "http://{sink}"
  max_request_bytes: 8MiB
  audit_log: "off"
{telemetry}"#
            );
        }
        Group::OtlpHttp | Group::OtlpGrpc => {
            let (receivers, protocol) = if group == Group::OtlpHttp {
                (
                    format!("  grpc: {{ enabled: false }}\n  http: {{ listen: {listen} }}\n"),
                    "http/protobuf",
                )
            } else {
                (
                    format!("  grpc: {{ listen: {listen} }}\n  http: {{ enabled: false }}\n"),
                    "grpc",
                )
            };
            let _ = write!(
                y,
                r#"otlp:
{receivers}  max_request_bytes: 8MiB
{profile}destinations:
  metadata-plane:
    endpoint: "http://{sink}"
    protocol: {protocol}
    profile: metadata-plane
    boundary: metadata-plane
    compression: none
    queue_bytes: 16MiB
flows:
  logs: {{ to: [metadata-plane] }}
  query_execution: {{ enabled: false }}
{telemetry}"#,
                profile = strict_profile(key),
            );
        }
    }
    y
}

/// nginx: one single-process instance (`master_process off`), HTTP/1.1
/// proxying with upstream keep-alive on one port and grpc_pass on another.
/// Like planeguard, it tells the upstream the client's address and scheme
/// (`X-Forwarded-For`, `X-Forwarded-Proto`, `Forwarded`): the same work.
pub async fn nginx(launch: &Launch<'_>) -> Target {
    let Some(bin) = procs::find_program("nginx") else {
        return Target::failed(
            TargetKind::Nginx,
            launch.groups,
            "not installed: skipped (apt-get install nginx)",
        );
    };
    let result = async {
        let ports = PeerPorts::new()?;
        let conf = nginx_conf(ports, launch.sink);
        let path = launch.dir.join("nginx.conf");
        fs::write(&path, conf).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let _ = fs::create_dir_all(launch.dir.join("nginx-tmp"));
        let mut cmd = launch.command(&bin);
        cmd.arg("-p")
            .arg(launch.dir)
            .arg("-e")
            .arg("stderr")
            .arg("-c")
            .arg(&path)
            .args(["-g", "daemon off;"]);
        launch
            .start("nginx", cmd, peer_groups(launch.groups, ports), None)
            .await
    }
    .await;
    peer_target(
        TargetKind::Nginx,
        launch.groups,
        result,
        version_of(&bin, &["-v"]),
    )
}

fn nginx_conf(ports: PeerPorts, sink: SinkPorts) -> String {
    let PeerPorts { plain, h1, h2 } = ports;
    let (otlp_sink, plain_sink) = (sink.otlp, sink.plain);
    let proxy_h1 = |upstream: &str| {
        format!(
            r#"location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Forwarded "for=$remote_addr;proto=$scheme";
        }}"#
        )
    };
    let (plain_location, h1_location) = (proxy_h1("sink_plain"), proxy_h1("sink_h1"));
    format!(
        r#"# generated by planeguard-loadtest compare
master_process off;
worker_processes 1;
pid nginx.pid;
error_log stderr warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path nginx-tmp/body;
    proxy_temp_path nginx-tmp/proxy;
    fastcgi_temp_path nginx-tmp/fastcgi;
    uwsgi_temp_path nginx-tmp/uwsgi;
    scgi_temp_path nginx-tmp/scgi;
    client_max_body_size 64m;
    client_body_buffer_size 1m;
    keepalive_requests 100000000;
    keepalive_timeout 120s;
    upstream sink_plain {{ server {plain_sink}; keepalive 512; keepalive_requests 100000000; }}
    upstream sink_h1 {{ server {otlp_sink}; keepalive 512; keepalive_requests 100000000; }}
    upstream sink_h2 {{ server {otlp_sink}; keepalive 512; keepalive_requests 100000000; }}
    server {{
        listen {plain};
        {plain_location}
    }}
    server {{
        listen {h1};
        {h1_location}
    }}
    server {{
        listen {h2} http2;
        location / {{ grpc_pass grpc://sink_h2; }}
    }}
}}
"#
    )
}

/// haproxy: one instance, one thread; HTTP/1.1 with connection reuse on one
/// port, h2c on another. Adds the same forwarding headers as planeguard.
pub async fn haproxy(launch: &Launch<'_>) -> Target {
    let Some(bin) = procs::find_program("haproxy") else {
        return Target::failed(
            TargetKind::Haproxy,
            launch.groups,
            "not installed: skipped (apt-get install haproxy)",
        );
    };
    let result = async {
        let ports = PeerPorts::new()?;
        let path = launch.dir.join("haproxy.cfg");
        fs::write(&path, haproxy_conf(ports, launch.sink))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let mut cmd = launch.command(&bin);
        cmd.arg("-f").arg(&path).arg("-db");
        launch
            .start("haproxy", cmd, peer_groups(launch.groups, ports), None)
            .await
    }
    .await;
    peer_target(
        TargetKind::Haproxy,
        launch.groups,
        result,
        version_of(&bin, &["-v"]),
    )
}

fn haproxy_conf(ports: PeerPorts, sink: SinkPorts) -> String {
    let PeerPorts { plain, h1, h2 } = ports;
    let (otlp_sink, plain_sink) = (sink.otlp, sink.plain);
    let frontend_h1 = |name: &str, bind: SocketAddr, backend: &str| {
        format!(
            r#"frontend {name}
    bind {bind}
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    http-request set-header Forwarded "for=%[src];proto=http"
    default_backend {backend}"#
        )
    };
    let plain_frontend = frontend_h1("plain", plain, "sink_plain");
    let h1_frontend = frontend_h1("otlp_http", h1, "sink_h1");
    format!(
        r#"# generated by planeguard-loadtest compare
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
{plain_frontend}
{h1_frontend}
frontend grpc
    bind {h2} proto h2
    default_backend sink_h2
backend sink_plain
    server sink {plain_sink}
backend sink_h1
    server sink {otlp_sink}
backend sink_h2
    server sink {otlp_sink} proto h2
"#
    )
}

/// A peer's listening ports: plain proxying (to the sink's plain port),
/// OTLP/HTTP (passed through, not scrubbed) and OTLP/gRPC (h2c).
#[derive(Clone, Copy, Debug)]
struct PeerPorts {
    plain: SocketAddr,
    h1: SocketAddr,
    h2: SocketAddr,
}

impl PeerPorts {
    fn new() -> Result<Self, String> {
        Ok(Self {
            plain: loopback(port()?),
            h1: loopback(port()?),
            h2: loopback(port()?),
        })
    }
}

fn peer_groups(groups: &[Group], ports: PeerPorts) -> Vec<(Group, SocketAddr)> {
    groups
        .iter()
        .map(|g| {
            let addr = match g {
                Group::Plain => ports.plain,
                Group::OtlpHttp => ports.h1,
                Group::OtlpGrpc => ports.h2,
            };
            (*g, addr)
        })
        .collect()
}

fn peer_target(
    kind: TargetKind,
    groups: &[Group],
    result: Result<Instance, String>,
    version: Option<String>,
) -> Target {
    match result {
        Ok(i) => Target {
            kind,
            instances: vec![i],
            failures: BTreeMap::new(),
            version,
        },
        Err(e) => Target {
            version,
            ..Target::failed(kind, groups, &format!("target failed to start: {e}"))
        },
    }
}

/// First line of `program ARGS` (stdout or stderr: nginx prints to stderr).
fn version_of(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planeguard_configs_mention_their_listeners() {
        let l: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let a: SocketAddr = "127.0.0.1:1001".parse().unwrap();
        let s: SocketAddr = "127.0.0.1:1002".parse().unwrap();
        let key = Path::new("/tmp/k");
        let plain = planeguard_yaml(Group::Plain, l, a, s, key);
        assert!(plain.contains("listen: 127.0.0.1:1000"));
        assert!(plain.contains("upstream: \"http://127.0.0.1:1002\""));
        let grpc = planeguard_yaml(Group::OtlpGrpc, l, a, s, key);
        assert!(grpc.contains("grpc: { listen: 127.0.0.1:1000 }"));
        assert!(grpc.contains("protocol: grpc"));
        assert!(grpc.contains("hash_key: \"${file:/tmp/k}\""));
        assert!(grpc.contains("ORD-[0-9]{10}"));
        let http = planeguard_yaml(Group::OtlpHttp, l, a, s, key);
        assert!(http.contains("protocol: http/protobuf"));
    }

    #[test]
    fn peers_route_each_group_to_its_port_and_sink() {
        let ports = PeerPorts {
            plain: "127.0.0.1:1".parse().unwrap(),
            h1: "127.0.0.1:2".parse().unwrap(),
            h2: "127.0.0.1:3".parse().unwrap(),
        };
        let sink = SinkPorts {
            otlp: "127.0.0.1:10".parse().unwrap(),
            plain: "127.0.0.1:11".parse().unwrap(),
        };
        let g = peer_groups(&Group::ALL, ports);
        assert_eq!(
            g,
            vec![
                (Group::Plain, ports.plain),
                (Group::OtlpHttp, ports.h1),
                (Group::OtlpGrpc, ports.h2)
            ]
        );
        let nginx = nginx_conf(ports, sink);
        assert!(nginx.contains("grpc_pass grpc://sink_h2"));
        assert!(nginx.contains("upstream sink_plain { server 127.0.0.1:11;"));
        assert!(nginx.contains("upstream sink_h1 { server 127.0.0.1:10;"));
        assert_eq!(nginx.matches("X-Forwarded-For").count(), 2);
        let haproxy = haproxy_conf(ports, sink);
        assert!(haproxy.contains("server sink 127.0.0.1:10 proto h2"));
        assert!(haproxy.contains("backend sink_plain\n    server sink 127.0.0.1:11\n"));
        assert_eq!(haproxy.matches("option forwardfor").count(), 2);
        assert_eq!(sink.for_group(Group::Plain), sink.plain);
        assert_eq!(sink.for_group(Group::OtlpGrpc), sink.otlp);
    }
}
