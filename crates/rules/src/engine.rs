//! The pack in force behind an atomic swap, its mtime-polling watcher, and the `Detector` that turns firing rules into signals.

use crate::compile::{compile, CompiledPack, MAX_PACK_BYTES};
use crate::eval::{Scratch, Subject};
use crate::spec::RuleState;
use crate::{RulesError, DETECTOR};
use serde_json::json;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};
use vigil_detect::{Detector, Observation};
use vigil_model::{EntityKind, Signal};

/// Read a pack file with the size bound applied before reading it whole.
pub fn read_bounded(path: &Path) -> Result<String, RulesError> {
    let file = path.display().to_string();
    let io = |source| RulesError::Io {
        file: file.clone(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut buf = Vec::new();
    f.take(MAX_PACK_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() > MAX_PACK_BYTES {
        return Err(RulesError::Invalid(vec![crate::Diagnostic {
            file,
            line: 1,
            col: 1,
            reason: format!("pack is over the limit of {MAX_PACK_BYTES} bytes"),
        }]));
    }
    String::from_utf8(buf).map_err(|e| {
        let off = e.utf8_error().valid_up_to();
        let src = String::from_utf8_lossy(&e.as_bytes()[..off]).into_owned();
        let (line, col) = crate::compile::line_col(&src, off);
        RulesError::Invalid(vec![crate::Diagnostic {
            file: file.clone(),
            line,
            col,
            reason: "pack is not valid UTF-8".into(),
        }])
    })
}

/// Read, validate and compile a pack file.
pub fn load_file(path: &Path) -> Result<CompiledPack, RulesError> {
    let src = read_bounded(path)?;
    compile(&path.display().to_string(), &src)
}

/// What happened on a reload attempt.
#[derive(Debug)]
pub enum ReloadEvent {
    /// The new pack is in force.
    Swapped { name: String, version: String },
    /// The changed file failed validation; the old pack keeps running.
    Rejected(RulesError),
}

/// The pack in force. Readers take an `Arc` snapshot (`current`) and keep evaluating it even
/// while a reload swaps in another: a post is never evaluated by half of one pack and half of another.
pub struct RulesEngine {
    current: RwLock<Arc<CompiledPack>>,
    path: Option<PathBuf>,
    /// (mtime, len) last seen on disk.
    seen: Mutex<Option<(SystemTime, u64)>>,
}

impl RulesEngine {
    /// An engine over an already compiled pack (no file to watch).
    pub fn new(pack: CompiledPack) -> RulesEngine {
        RulesEngine {
            current: RwLock::new(Arc::new(pack)),
            path: None,
            seen: Mutex::new(None),
        }
    }

    /// Load `path`; `reload` and `watch` re-read it.
    pub fn open(path: &Path) -> Result<RulesEngine, RulesError> {
        let stamp = file_stamp(path);
        let pack = load_file(path)?;
        Ok(RulesEngine {
            current: RwLock::new(Arc::new(pack)),
            path: Some(path.to_path_buf()),
            seen: Mutex::new(stamp),
        })
    }

    /// A snapshot of the pack in force.
    pub fn current(&self) -> Arc<CompiledPack> {
        match self.current.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    /// Put `pack` in force atomically; returns the previous one.
    pub fn swap(&self, pack: CompiledPack) -> Arc<CompiledPack> {
        let new = Arc::new(pack);
        let mut g = match self.current.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        std::mem::replace(&mut *g, new)
    }

    /// If the file changed since it was last seen, validate it and swap it in. `Ok(None)`:
    /// nothing changed. A rejected pack leaves the old one in force.
    pub fn reload(&self) -> Option<ReloadEvent> {
        let path = self.path.as_ref()?;
        let stamp = file_stamp(path);
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if stamp.is_none() || *seen == stamp {
                return None;
            }
            *seen = stamp;
        }
        let src = match read_bounded(path) {
            Ok(s) => s,
            Err(e) => return Some(ReloadEvent::Rejected(e)),
        };
        if crate::compile::fnv1a(src.as_bytes()) == self.current().fingerprint {
            return None;
        }
        match compile(&path.display().to_string(), &src) {
            Ok(pack) => {
                let ev = ReloadEvent::Swapped {
                    name: pack.name.clone(),
                    version: pack.version.clone(),
                };
                self.swap(pack);
                Some(ev)
            }
            Err(e) => Some(ReloadEvent::Rejected(e)),
        }
    }

    /// Poll the file every `interval` on a background thread; `on_event` hears every swap and
    /// rejection. The watcher stops when the returned handle is dropped.
    pub fn watch(
        self: &Arc<Self>,
        interval: Duration,
        on_event: impl Fn(ReloadEvent) + Send + 'static,
    ) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let (eng, st) = (Arc::clone(self), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                if let Some(ev) = eng.reload() {
                    on_event(ev);
                }
                // Sleep in small steps so that dropping the handle is prompt.
                let mut left = interval;
                while !left.is_zero() && !st.load(Ordering::Relaxed) {
                    let step = left.min(Duration::from_millis(20));
                    std::thread::sleep(step);
                    left -= step;
                }
            }
        });
        Watcher {
            stop,
            thread: Some(thread),
        }
    }
}

fn file_stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Stops the watcher thread when dropped.
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl CompiledPack {
    /// The signals for the rules in `fired` (from [`CompiledPack::evaluate`] with the same
    /// scratch). Every signal names its rule and pack version. A live context rule on the
    /// same post suppresses proposed actions of harm rules (recorded in the explanation).
    pub fn signals(&self, s: &Subject, fired: &[u32], sc: &Scratch, out: &mut Vec<Signal>) {
        let context_live = fired.iter().any(|&r| {
            let r = &self.rules[r as usize];
            r.state == RuleState::Live && r.context.is_some()
        });
        for &ri in fired {
            let r = &self.rules[ri as usize];
            let shadow = r.state == RuleState::Shadow;
            let mut ex = serde_json::Map::new();
            ex.insert("rule".into(), json!(r.id));
            ex.insert("pack".into(), json!(self.name));
            ex.insert("state".into(), json!(r.state.as_str()));
            ex.insert("post".into(), json!(s.post.id));
            ex.insert("matched".into(), json!(self.matched_terms(ri, sc)));
            if let Some((name, ttl)) = &r.label {
                ex.insert(
                    "label".into(),
                    json!({"name": name, "expires_at": ttl.map(|t| s.post.created_at.saturating_add(t))}),
                );
            }
            if let Some(q) = &r.queue {
                ex.insert("queue".into(), json!(q));
            }
            if let Some(a) = r.action {
                ex.insert("action".into(), json!(a.as_str()));
                if context_live {
                    ex.insert("action_suppressed".into(), json!("context"));
                }
            }
            let (category, context, weight) = match (r.signal, r.context) {
                (Some((c, w)), _) => (Some(c), None, w),
                (None, Some((c, w))) => (None, Some(c), w),
                (None, None) => (None, None, 0.0),
            };
            out.push(Signal {
                entity_kind: r.entity,
                entity_id: match r.entity {
                    EntityKind::Account => s.post.account_id.clone(),
                    _ => s.post.id.clone(),
                },
                detector: DETECTOR.to_string(),
                category,
                context,
                weight,
                source: format!("rule:{}/{}", self.name, r.id),
                version: self.version.clone(),
                explanation: serde_json::Value::Object(ex),
                at: s.post.created_at,
                shadow,
            });
        }
    }
}

/// How `vigil ingest` builds the rules detector.
#[derive(Debug, Clone, Default)]
pub struct RulesConfig {
    /// A pack file; `None` is the shipped starter pack.
    pub pack: Option<PathBuf>,
}

/// The rules engine as a `vigil_detect::Detector`.
pub struct RulesDetector {
    engine: Arc<RulesEngine>,
    scratch: Scratch,
    fired: Vec<u32>,
}

impl RulesDetector {
    pub fn new(engine: Arc<RulesEngine>) -> RulesDetector {
        RulesDetector {
            engine,
            scratch: Scratch::new(),
            fired: Vec::new(),
        }
    }
}

impl Detector for RulesDetector {
    fn name(&self) -> &'static str {
        DETECTOR
    }

    fn on_post(&mut self, obs: &mut Observation<'_>, out: &mut Vec<Signal>) {
        let pack = self.engine.current();
        let s = Subject {
            post: obs.post,
            account: obs.account,
            text: obs.text,
            facts: obs.facts,
        };
        pack.evaluate(&s, &mut self.scratch, &mut self.fired);
        pack.signals(&s, &self.fired, &self.scratch, out);
        for &r in &self.fired {
            let r = &pack.rules[r as usize];
            if r.state == RuleState::Live {
                if let Some((name, ttl)) = &r.label {
                    obs.facts.labels.push((
                        name.clone(),
                        ttl.map(|t| obs.post.created_at.saturating_add(t)),
                    ));
                }
            }
        }
    }
}

/// The shipped starter pack, compiled, in an engine of its own.
pub fn starter_engine() -> Result<RulesEngine, RulesError> {
    Ok(RulesEngine::new(compile(
        "rules/starter.toml",
        crate::STARTER,
    )?))
}

/// The rules detector for `config`: the configured pack, or the shipped starter pack.
pub fn detector(config: &RulesConfig) -> Result<Box<dyn Detector>, RulesError> {
    let engine = match &config.pack {
        Some(p) => RulesEngine::open(p)?,
        None => RulesEngine::new(compile("rules/starter.toml", crate::STARTER)?),
    };
    Ok(Box::new(RulesDetector::new(Arc::new(engine))))
}
