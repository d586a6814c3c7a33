//! Users, roles and API tokens: a token is shown once and only its SHA-256 is stored.

use crate::{CaseError, CaseStore, Service};
use serde::{Deserialize, Serialize};
use vigil_store::cases::{sha256_hex, AuditWrite};
use vigil_store::Store;

/// What a user may do. Analysts read; moderators also claim and decide; admins do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Moderator,
    Analyst,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Moderator, Role::Analyst, Role::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// A fresh random token: `vgl_` and 64 hex digits (256 bits from the OS).
pub fn new_token() -> Result<String, CaseError> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| CaseError::Io(std::io::Error::other(e.to_string())))?;
    Ok(format!("vgl_{}", vigil_store::cases::hex(&b)))
}

/// What is stored for a token.
pub fn hash_token(token: &str) -> String {
    sha256_hex(token.as_bytes())
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 64
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
}

impl<S: Store + CaseStore> Service<S> {
    /// Add a user and return their token, which is never stored and cannot be shown again.
    pub fn add_user(&mut self, name: &str, role: Role, actor: &str) -> Result<String, CaseError> {
        if !valid_name(name) {
            return Err(CaseError::Invalid(
                "user names are 1 to 64 characters of letters, digits and . _ - @".into(),
            ));
        }
        let token = new_token()?;
        let audit = AuditWrite {
            at: self.now(),
            actor: actor.into(),
            action: "user_add".into(),
            target: format!("user:{name}"),
            reason: "user added".into(),
            detail: serde_json::json!({"role": role.as_str()}),
        };
        match self
            .store
            .add_user(name, role.as_str(), &hash_token(&token), &audit)?
        {
            Some(_) => Ok(token),
            None => Err(CaseError::UserExists(name.into())),
        }
    }

    /// The user a token names, if it is valid.
    pub fn authenticate(&self, token: &str) -> Result<Option<User>, CaseError> {
        if token.len() > 256 {
            return Ok(None);
        }
        Ok(self
            .store
            .user_by_token_hash(&hash_token(token))?
            .and_then(|u| {
                Some(User {
                    id: u.id,
                    name: u.name,
                    role: Role::parse(&u.role)?,
                })
            }))
    }

    /// Authenticate and record the login in the audit log (the console's login form).
    pub fn login(&mut self, token: &str) -> Result<Option<User>, CaseError> {
        let u = self.authenticate(token)?;
        if let Some(u) = &u {
            self.audit(
                &u.name,
                "login",
                &format!("user:{}", u.name),
                "login",
                serde_json::json!({}),
            )?;
        }
        Ok(u)
    }
}
