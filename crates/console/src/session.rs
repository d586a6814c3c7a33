//! Console sessions (in memory, random 256-bit ids, idle and absolute expiry), their CSRF
//! synchronizer tokens, and the sliding-window limiter that throttles sign-in attempts.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;
use vigil_cases::User;

/// The session cookie's name.
pub const COOKIE: &str = "vigil_session";

/// 256 random bits as hex; `None` only when the OS has no randomness to give.
pub fn random_hex() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(vigil_store::cases::hex(&b))
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    /// The synchronizer token every state-changing form must carry.
    pub csrf: String,
    /// The per-user wellbeing setting, cached from the store.
    pub reveal_media: bool,
    created: Instant,
    last: Instant,
}

impl Session {
    /// Whether `token` is this session's CSRF token (constant time).
    pub fn csrf_ok(&self, token: &str) -> bool {
        token.len() == self.csrf.len() && bool::from(token.as_bytes().ct_eq(self.csrf.as_bytes()))
    }
}

/// Every live session.
#[derive(Debug)]
pub struct Sessions {
    map: HashMap<String, Session>,
    idle: Duration,
    max_age: Duration,
    cap: usize,
}

impl Sessions {
    pub fn new(idle: Duration, max_age: Duration, cap: usize) -> Sessions {
        Sessions {
            map: HashMap::new(),
            idle,
            max_age,
            cap: cap.max(1),
        }
    }

    /// Start a session; returns its id (the cookie value).
    pub fn create(&mut self, user: User, reveal_media: bool) -> Option<String> {
        let now = Instant::now();
        if self.map.len() >= self.cap {
            let (idle, max_age) = (self.idle, self.max_age);
            self.map
                .retain(|_, s| now - s.last < idle && now - s.created < max_age);
            if self.map.len() >= self.cap {
                // Still full of live sessions: drop the least recently used.
                if let Some(k) = self
                    .map
                    .iter()
                    .min_by_key(|(_, s)| s.last)
                    .map(|(k, _)| k.clone())
                {
                    self.map.remove(&k);
                }
            }
        }
        let id = random_hex()?;
        let csrf = random_hex()?;
        self.map.insert(
            id.clone(),
            Session {
                user,
                csrf,
                reveal_media,
                created: now,
                last: now,
            },
        );
        Some(id)
    }

    /// The live session with this id, refreshed; an expired one is removed.
    pub fn get(&mut self, id: &str) -> Option<Session> {
        if id.len() != 64 {
            return None;
        }
        let now = Instant::now();
        let s = self.map.get_mut(id)?;
        if now - s.last >= self.idle || now - s.created >= self.max_age {
            self.map.remove(id);
            return None;
        }
        s.last = now;
        Some(s.clone())
    }

    pub fn set_reveal(&mut self, id: &str, reveal: bool) {
        if let Some(s) = self.map.get_mut(id) {
            s.reveal_media = reveal;
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.map.remove(id);
    }
}

/// The session id in a `Cookie` header, if any.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// At most `max` events per `window` per key, with a bounded number of keys.
#[derive(Debug)]
pub struct Limiter {
    max: usize,
    window: Duration,
    keys: HashMap<String, VecDeque<Instant>>,
    cap: usize,
}

impl Limiter {
    pub fn new(max: usize, window: Duration, cap: usize) -> Limiter {
        Limiter {
            max: max.max(1),
            window,
            keys: HashMap::new(),
            cap: cap.max(1),
        }
    }

    fn trim(&mut self, key: &str, now: Instant) -> usize {
        let w = self.window;
        match self.keys.get_mut(key) {
            Some(q) => {
                while q.front().is_some_and(|t| now - *t >= w) {
                    q.pop_front();
                }
                q.len()
            }
            None => 0,
        }
    }

    /// How long until `key` may try again, or `None` when it may now.
    pub fn blocked(&mut self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        if self.trim(key, now) < self.max {
            return None;
        }
        let first = *self.keys.get(key)?.front()?;
        Some(
            self.window
                .saturating_sub(now - first)
                .max(Duration::from_secs(1)),
        )
    }

    /// Count one event for `key`.
    pub fn hit(&mut self, key: &str) {
        let now = Instant::now();
        if self.keys.len() >= self.cap && !self.keys.contains_key(key) {
            let w = self.window;
            self.keys
                .retain(|_, q| q.back().is_some_and(|t| now - *t < w));
            if self.keys.len() >= self.cap {
                // A flood of distinct keys: forget them all rather than grow without bound.
                self.keys.clear();
            }
        }
        let q = self.keys.entry(key.to_string()).or_default();
        q.push_back(now);
        while q.len() > self.max {
            q.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_cases::Role;

    #[test]
    fn limiter_blocks_after_max_and_bounds_keys() {
        let mut l = Limiter::new(3, Duration::from_secs(60), 10);
        for _ in 0..3 {
            assert!(l.blocked("a").is_none());
            l.hit("a");
        }
        assert!(l.blocked("a").is_some());
        assert!(l.blocked("b").is_none());
        for i in 0..100 {
            l.hit(&format!("k{i}"));
        }
        assert!(l.keys.len() <= 10);
    }

    #[test]
    fn sessions_expire_and_are_capped() {
        let u = User {
            id: 1,
            name: "a".into(),
            role: Role::Analyst,
        };
        let mut s = Sessions::new(Duration::from_millis(0), Duration::from_secs(60), 2);
        let id = s.create(u.clone(), false).unwrap();
        assert!(s.get(&id).is_none(), "idle expiry");
        let mut s = Sessions::new(Duration::from_secs(60), Duration::from_secs(60), 2);
        let ids: Vec<_> = (0..5)
            .map(|_| s.create(u.clone(), false).unwrap())
            .collect();
        assert!(s.map.len() <= 2);
        assert!(s.get(&ids[4]).is_some());
        let sess = s.get(&ids[4]).unwrap();
        assert!(sess.csrf_ok(&sess.csrf.clone()));
        assert!(!sess.csrf_ok("x"));
        assert_eq!(cookie_value("a=1; vigil_session=xyz", COOKIE), Some("xyz"));
    }
}
