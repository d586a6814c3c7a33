//! The console in a real browser: headless Debian chromium driven through chromedriver's
//! WebDriver protocol on loopback. A simulated world plus hostile seed data is served by
//! `vigil serve`; a moderator signs in, triages with the keyboard, claims and decides a case,
//! and an admin sees the decision on the audit page. On every page: no payload ran, the CSP
//! blocked nothing, the stylesheet and htmx loaded, and the layout does not overflow
//! sideways. Screenshots go to target/console-screenshots/.
//!
//! Needs `chromium` and `chromium-driver` (.ci/apt-packages); fails when they are missing
//! unless VIGIL_SKIP_BROWSER=1.

#[path = "../../console/tests/seed.rs"]
mod seed;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use vigil_cases::{Config, Role, Service};
use vigil_store::SqliteStore;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn vigil(args: &[&str], dir: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run vigil");
    assert!(
        o.status.success(),
        "vigil {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Kills a child process when dropped, so a failing assertion leaves nothing running.
struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request on loopback; returns the status and the body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let b = body.map(|v| v.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
        b.len()
    )?;
    // chromedriver keeps the connection open despite `Connection: close`: read the head,
    // then exactly Content-Length bytes (or chunks until the last one).
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::Error::other("closed before the header ended"));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let len = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .and_then(|v| v.trim().parse::<usize>().ok())
    });
    let chunked =
        head.contains("transfer-encoding: chunked") || head.contains("transfer-encoding:chunked");
    loop {
        let have = raw.len() - split - 4;
        let done = match len {
            Some(l) => have >= l,
            None if chunked => raw.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let mut body = raw[split + 4..].to_vec();
    if let Some(l) = len {
        body.truncate(l);
    } else if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let n =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..nl]).trim(), 16).unwrap_or(0);
            if n == 0 || rest.len() < nl + 2 + n {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[(nl + 4 + n).min(rest.len())..];
        }
        body = out;
    }
    Ok((status, body))
}

fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// A WebDriver session.
struct Wd {
    addr: String,
    sid: String,
    base: String,
    shots: PathBuf,
}

impl Wd {
    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let p = format!("/session/{}{path}", self.sid);
        let (st, b) = http(&self.addr, method, &p, body.as_ref()).expect("webdriver");
        let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
        assert!(st < 400, "webdriver {method} {path}: {st} {v}");
        v["value"].clone()
    }
    fn go(&self, path: &str) {
        self.cmd(
            "POST",
            "/url",
            Some(json!({"url": format!("{}{path}", self.base)})),
        );
    }
    fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }
    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }
    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }
    fn typ(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }
    fn key(&self, k: &str) {
        self.cmd(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "kb", "actions": [
                {"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]}]})),
        );
        self.cmd("DELETE", "/actions", None);
    }
    fn wait(&self, cond: &str, what: &str) {
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(20) {
            if self.js(&format!("return !!({cond});")) == Value::Bool(true) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "timed out waiting for {what}: {}",
            self.js("return document.body.innerText.slice(0, 500);")
        );
    }
    fn shot(&self, name: &str) {
        let v = self.cmd("GET", "/screenshot", None);
        let png = b64(v.as_str().unwrap_or(""));
        assert!(png.starts_with(b"\x89PNG"), "screenshot {name}");
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
    /// Nothing ran, the CSP blocked nothing, our CSS and htmx are live, and nothing is wider
    /// than the window.
    fn check_page(&self, name: &str) {
        let v = self.js(
            "return {pwned: window.__pwned === undefined ? null : String(window.__pwned), title: document.title, \
             csp: window.__vigilCsp || null, htmx: typeof window.htmx, \
             bg: getComputedStyle(document.body).backgroundColor, \
             sw: document.documentElement.scrollWidth, iw: window.innerWidth, \
             foreign: Array.from(document.querySelectorAll('script')).filter(s => !/\\/static\\/(htmx\\.min|console)\\.js$/.test(s.src)).length, \
             handlers: Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes).some(a => a.name.startsWith('on'))).length};",
        );
        assert_eq!(v["pwned"], Value::Null, "{name}: a payload ran: {v}");
        assert!(
            !v["title"].as_str().unwrap_or("").contains("pwned"),
            "{name}: {v}"
        );
        assert_eq!(
            v["csp"],
            json!([]),
            "{name}: CSP violations (or console.js missing): {v}"
        );
        assert_eq!(v["htmx"], "object", "{name}: htmx did not load: {v}");
        assert_eq!(
            v["bg"], "rgb(246, 247, 249)",
            "{name}: stylesheet did not load: {v}"
        );
        assert_eq!(v["foreign"], 0, "{name}: {v}");
        assert_eq!(
            v["handlers"], 0,
            "{name}: event handler attributes in the DOM: {v}"
        );
        let (sw, iw) = (v["sw"].as_i64().unwrap_or(0), v["iw"].as_i64().unwrap_or(0));
        assert!(
            sw <= iw + 2,
            "{name}: the layout overflows sideways ({sw} > {iw})"
        );
        self.shot(name);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn console_in_a_real_browser() {
    if std::env::var("VIGIL_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("VIGIL_SKIP_BROWSER=1: skipping the browser test");
        return;
    }
    let chromium = std::env::var("VIGIL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver =
        std::env::var("VIGIL_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    assert!(
        Path::new(&chromium).exists() && Path::new(&driver).exists(),
        "chromium ({chromium}) and chromedriver ({driver}) are needed: apt-get install chromium chromium-driver \
         (listed in .ci/apt-packages), or set VIGIL_SKIP_BROWSER=1"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    vigil(
        &[
            "simulate",
            "--out",
            "world",
            "--seed",
            "7",
            "--accounts",
            "3000",
            "--hours",
            "12",
        ],
        d,
    );
    vigil(&["ingest", "--db", "v.db", "world"], d);
    let db = d.join("v.db");
    let (seeded, mod_tok, adm_tok) = {
        let mut store = SqliteStore::open(&db).unwrap();
        let seeded = seed::hostile(&mut store, 60);
        let mut svc = Service::new(store, Config::default());
        svc.sync().unwrap();
        let m = svc.add_user("mod", Role::Moderator, "test").unwrap();
        let a = svc.add_user("adm", Role::Admin, "test").unwrap();
        (seeded, m, a)
    };

    let mut serve = Kill(
        Command::new(env!("CARGO_BIN_EXE_vigil"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                db.to_str().unwrap(),
            ])
            .current_dir(d)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(serve.0.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("{line}"))
        .to_string();

    let port = free_port();
    let _driver = Kill(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let wd_addr = format!("127.0.0.1:{port}");
    let t = Instant::now();
    loop {
        if let Ok((200, b)) = http(&wd_addr, "GET", "/status", None) {
            if serde_json::from_slice::<Value>(&b)
                .map(|v| v["value"]["ready"] == true)
                .unwrap_or(false)
            {
                break;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "chromedriver did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = d.join("profile");
    let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
        "binary": chromium,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1000",
                 format!("--user-data-dir={}", profile.display())]}}}});
    let (st, b) = http(&wd_addr, "POST", "/session", Some(&caps)).unwrap();
    let v: Value = serde_json::from_slice(&b).unwrap_or(Value::Null);
    assert_eq!(st, 200, "new session: {v}");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let wd = Wd {
        addr: wd_addr.clone(),
        sid: v["value"]["sessionId"].as_str().unwrap().to_string(),
        base: format!("http://{addr}"),
        shots,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        flow(&wd, &seeded, &mod_tok, &adm_tok)
    }));
    let _ = http(&wd_addr, "DELETE", &format!("/session/{}", wd.sid), None);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

fn login(wd: &Wd, user: &str, token: &str) {
    wd.go("/login");
    wd.typ("#user", user);
    wd.typ("#token", token);
    wd.click("#login");
    wd.wait("location.pathname === '/queue'", "the queue after sign-in");
}

fn flow(wd: &Wd, s: &seed::Seeded, mod_tok: &str, adm_tok: &str) {
    let enc = vigil_console::view::enc;
    // Every page refuses no session.
    wd.go("/queue");
    wd.wait("location.pathname === '/login'", "redirect to sign-in");
    wd.check_page("01-login");
    wd.typ("#user", "mod");
    wd.typ("#token", "vgl_wrong");
    wd.click("#login");
    wd.wait(
        "document.getElementById('login-error') !== null",
        "the sign-in error",
    );

    login(wd, "mod", mod_tok);
    wd.check_page("02-queue");
    // Keyboard triage: the first row starts selected; j moves down, k back up.
    wd.wait(
        "document.querySelector('tr.selected') !== null",
        "a selected row",
    );
    let first = wd.js("return document.querySelector('tr.selected').id;");
    wd.key("j");
    let second = wd.js("return document.querySelector('tr.selected').id;");
    assert_ne!(first, second, "j moves the selection");
    wd.key("k");
    assert_eq!(
        wd.js("return document.querySelector('tr.selected').id;"),
        first,
        "k moves back"
    );

    // Claim the hostile post's case from the queue (htmx swaps the row in place).
    wd.go("/queue?kind=post&signal=hash");
    wd.check_page("03-queue-filtered");
    let row = wd.js("return document.querySelector('#queue tbody tr').id;");
    let row = row.as_str().unwrap().to_string();
    let case_id = row.trim_start_matches("case-").to_string();
    wd.key("c");
    wd.wait(
        &format!("document.querySelector('#{row} .holder') !== null && document.querySelector('#{row}').textContent.includes('mod')"),
        "the claimed row",
    );
    wd.check_page("04-queue-claimed");

    // The case: post in context, signals, media blurred until clicked.
    wd.key("\u{E007}"); // WebDriver Enter
    wd.wait(
        &format!("location.pathname === '/cases/{case_id}'"),
        "the case page",
    );
    wd.check_page("05-case-post");
    assert_eq!(
        wd.js("return document.querySelectorAll('.media.blurred').length > 0;"),
        Value::Bool(true)
    );
    assert_eq!(
        wd.js("return getComputedStyle(document.querySelector('.media.blurred svg')).filter;"),
        json!("blur(14px) grayscale(1)")
    );
    wd.click(".media.blurred");
    assert_eq!(
        wd.js("return document.querySelector('.media').classList.contains('blurred');"),
        Value::Bool(false)
    );
    // The RTL and overridden text stays inside its isolate: the page keeps its direction.
    assert_eq!(
        wd.js("return getComputedStyle(document.querySelector('main')).direction;"),
        json!("ltr")
    );
    assert_eq!(
        wd.js("return getComputedStyle(document.querySelector('.post .text bdi')).unicodeBidi;"),
        json!("isolate")
    );

    // Text after hostile content keeps its order: the post's timestamp still reads left to
    // right (an unclosed RLI inside the display name would reverse it).
    let ltr = wd.js(
        "const el = document.querySelector('.post.card .muted'); \
         const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let n; \
         while ((n = w.nextNode())) { const i = n.data.indexOf('20'); \
           if (i >= 0 && /\\d{4}-\\d\\d-\\d\\dT/.test(n.data.slice(i))) { const r = document.createRange(); \
             r.setStart(n, i); r.setEnd(n, i + 1); const a = r.getBoundingClientRect().x; \
             r.setStart(n, i + 22); r.setEnd(n, i + 23); const b = r.getBoundingClientRect().x; \
             return b > a; } } return null;",
    );
    assert_eq!(
        ltr,
        Value::Bool(true),
        "the timestamp after the display name is reordered"
    );

    // Decide with the keyboard: r picks remove_post and focuses the reason.
    wd.key("r");
    assert_eq!(
        wd.js("return document.getElementById('action').value;"),
        json!("remove_post")
    );
    assert_eq!(wd.js("return document.activeElement.id;"), json!("reason"));
    wd.typ(
        "#reason",
        "branded release <script>window.__pwned=20</script>",
    );
    wd.click("#preview");
    wd.wait(
        "document.getElementById('preview-result') !== null",
        "the htmx preview",
    );
    assert_eq!(
        wd.js("return document.getElementById('preview-targets').textContent;"),
        json!("1")
    );
    wd.check_page("06-case-preview");
    wd.click("#decide");
    wd.wait(
        "document.querySelector('.pill.decided') !== null",
        "the decided case",
    );
    wd.check_page("07-case-decided");

    // The rest of the pages, each with its payloads inert.
    for (name, path) in [
        ("08-dashboard", "/".to_string()),
        ("09-account", format!("/account?id={}", enc(&s.account))),
        ("10-post", format!("/post?id={}", enc(&s.post))),
        (
            "11-campaign",
            format!("/campaign?kind=campaign&id={}", enc(&s.campaign)),
        ),
        (
            "12-network",
            format!("/network?kind=cluster&id={}", enc(&s.cluster)),
        ),
        ("13-settings", "/settings".into()),
    ] {
        wd.go(&path);
        wd.check_page(name);
    }
    assert_eq!(
        wd.js("return document.querySelectorAll('svg.net circle').length;"),
        json!(0),
        "settings page has no network"
    );
    wd.go(&format!("/network?kind=cluster&id={}", enc(&s.cluster)));
    assert_eq!(
        wd.js("return document.querySelectorAll('svg.net circle').length;"),
        json!(s.members.len())
    );
    wd.go("/queue?kind=cluster");
    wd.key("\u{E007}"); // WebDriver Enter
    wd.wait(
        "location.pathname.startsWith('/cases/')",
        "the cluster case",
    );
    wd.check_page("14-case-cluster");
    wd.key("b");
    wd.typ("#reason", "network");
    wd.click("#preview");
    wd.wait(
        "document.getElementById('preview-result') !== null",
        "the bulk preview",
    );
    assert_eq!(
        wd.js("return document.getElementById('preview-targets').textContent;"),
        json!((s.members.len() - 1).to_string()),
        "the member with a news context signal is excluded"
    );
    wd.check_page("15-case-cluster-preview");
    // A moderator may not open the audit.
    wd.go("/audit");
    assert!(wd
        .js("return document.body.innerText;")
        .as_str()
        .unwrap()
        .contains("your role may not"));

    wd.go("/settings");
    // Sign out; an admin sees the decision in the audit, with the chain verified.
    wd.click("header form button");
    wd.wait("location.pathname === '/login'", "signed out");
    login(wd, "adm", adm_tok);
    wd.go("/audit");
    wd.check_page("16-audit");
    let text = wd.js("return document.body.innerText;");
    let text = text.as_str().unwrap();
    assert!(
        text.contains("chain verified"),
        "{}",
        &text[..text.len().min(400)]
    );
    assert!(
        text.contains(&format!("case:{case_id}")) && text.contains("decision"),
        "the decision is audited"
    );
    for (name, path) in [("17-banks", "/banks"), ("18-rules", "/rules")] {
        wd.go(path);
        wd.check_page(name);
    }
    assert!(wd
        .js("return document.getElementById('shadow').innerText;")
        .as_str()
        .unwrap()
        .contains("rule:shadow/try"));
}
