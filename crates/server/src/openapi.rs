//! The OpenAPI 3.1 document, generated from [`crate::ROUTES`] and the schemas here; a test
//! checks that responses validate against them.

use crate::ROUTES;
use serde_json::{json, Map, Value};

fn nullable(t: &str) -> Value {
    json!({"type": [t, "null"]})
}

/// The component schemas.
pub fn schemas() -> Value {
    let cats: Vec<&str> = vigil_model::Category::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    let case = json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["id", "entity_kind", "entity_id", "state", "appealed", "priority", "risk", "reach", "recency",
            "category", "has_context", "signal_count", "first_signal", "last_signal", "platform", "claimed_by",
            "claim_expires", "opened_at", "updated_at", "decided_at"],
        "properties": {
            "id": {"type": "integer"},
            "entity_kind": {"$ref": "#/components/schemas/EntityKind"},
            "entity_id": {"type": "string"},
            "state": {"type": "string", "enum": ["open", "claimed", "decided", "appealed"]},
            "appealed": {"type": "boolean"},
            "priority": {"type": "number"},
            "risk": {"type": "number"},
            "reach": {"type": "number"},
            "recency": {"type": "number"},
            "category": {"type": ["string", "null"], "enum": cats.iter().map(|c| Value::from(*c)).chain([Value::Null]).collect::<Vec<_>>()},
            "has_context": {"type": "boolean"},
            "signal_count": {"type": "integer"},
            "first_signal": {"type": "integer"},
            "last_signal": {"type": "integer"},
            "platform": nullable("string"),
            "claimed_by": nullable("string"),
            "claim_expires": nullable("integer"),
            "opened_at": {"type": "integer"},
            "updated_at": {"type": "integer"},
            "decided_at": nullable("integer"),
        }
    });
    let target = json!({"type": "object", "additionalProperties": false, "required": ["kind", "id", "action"],
        "properties": {"kind": {"$ref": "#/components/schemas/EntityKind"}, "id": {"type": "string"}, "action": {"type": "string"}}});
    json!({
        "EntityKind": {"type": "string", "enum": ["post", "account", "campaign", "cluster"]},
        "Category": {"type": "string", "enum": cats},
        "Error": {"type": "object", "additionalProperties": false, "required": ["error"], "properties": {
            "error": {"type": "object", "additionalProperties": false, "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": crate::ERROR_CODES},
                "message": {"type": "string"}}}}},
        "Health": {"type": "object", "additionalProperties": false, "required": ["status", "version"],
            "properties": {"status": {"type": "string"}, "version": {"type": "string"}}},
        "OpenApi": {"type": "object"},
        "User": {"type": "object", "additionalProperties": false, "required": ["id", "name", "role"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}}},
        "Role": {"type": "string", "enum": ["moderator", "analyst", "admin"]},
        "Case": case,
        "CasePage": {"type": "object", "additionalProperties": false, "required": ["items", "next_cursor"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
            "next_cursor": nullable("string")}},
        "CaseDetail": {"type": "object", "additionalProperties": false, "required": ["case", "signals", "decisions"], "properties": {
            "case": {"$ref": "#/components/schemas/Case"},
            "signals": {"type": "array", "items": {"type": "object"}},
            "decisions": {"type": "array", "items": {"type": "object"}}}},
        "DecisionRequest": {"type": "object", "additionalProperties": false, "required": ["action", "reason"], "properties": {
            "action": {"type": "string", "enum": ["remove_post", "suspend_account", "bulk_remove_posts", "bulk_suspend_accounts", "label", "escalate", "dismiss"]},
            "category": {"$ref": "#/components/schemas/Category"},
            "dismissal": {"type": "string", "enum": ["news", "research", "counter_speech", "other"]},
            "reason": {"type": "string", "maxLength": 4000},
            "strikes": {"type": "integer", "minimum": 0, "maximum": 10},
            "label": {"type": "string", "maxLength": 64}}},
        "Target": target,
        "Preview": {"type": "object", "additionalProperties": false, "required": ["case_id", "action", "targets", "excluded", "accounts", "webhooks"], "properties": {
            "case_id": {"type": "integer"},
            "action": {"type": "string"},
            "targets": {"type": "array", "items": {"$ref": "#/components/schemas/Target"}},
            "excluded": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["kind", "id", "why"], "properties": {
                "kind": {"$ref": "#/components/schemas/EntityKind"}, "id": {"type": "string"}, "why": {"type": "string"}}}},
            "accounts": {"type": "array", "items": {"type": "string"}},
            "webhooks": {"type": "integer"}}},
        "DecisionResult": {"type": "object", "additionalProperties": false, "required": ["decision_id", "case"], "properties": {
            "decision_id": {"type": "integer"}, "case": {"$ref": "#/components/schemas/Case"}}},
        "AppealRequest": {"type": "object", "additionalProperties": false, "required": ["reason"], "properties": {"reason": {"type": "string"}}},
        "SyncStats": {"type": "object", "additionalProperties": false, "required": ["entities", "opened", "updated", "unchanged", "not_opened"], "properties": {
            "entities": {"type": "integer"}, "opened": {"type": "integer"}, "updated": {"type": "integer"},
            "unchanged": {"type": "integer"}, "not_opened": {"type": "integer"}}},
        "AuditEntry": {"type": "object", "additionalProperties": false, "required": ["seq", "at", "actor", "action", "target", "reason", "detail", "prev_hash", "hash"], "properties": {
            "seq": {"type": "integer"}, "at": {"type": "integer"}, "actor": {"type": "string"}, "action": {"type": "string"},
            "target": {"type": "string"}, "reason": {"type": "string"}, "detail": {"type": "string"},
            "prev_hash": {"type": "string"}, "hash": {"type": "string"}}},
        "AuditPage": {"type": "object", "additionalProperties": false, "required": ["items", "next_after"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}, "next_after": nullable("integer")}},
        "AuditReport": {"type": "object", "additionalProperties": false, "required": ["entries", "ok", "problems", "head"], "properties": {
            "entries": {"type": "integer"}, "ok": {"type": "boolean"},
            "problems": {"type": "array", "items": {"type": "object", "required": ["problem"], "properties": {"problem": {"type": "string",
                "enum": ["altered", "removed", "reordered", "broken_link", "tail_removed", "head_mismatch"]}}}},
            "head": {"type": ["array", "null"]}}},
        "NdjsonBody": {"type": "string", "description": "newline-delimited JSON in a supported platform format"},
        "IngestResult": {"type": "object", "additionalProperties": false, "required": ["format", "accepted", "posts", "accounts", "enforcement", "duplicates", "quarantined", "errors", "errors_truncated"], "properties": {
            "format": {"type": "string"}, "accepted": {"type": "integer"}, "posts": {"type": "integer"}, "accounts": {"type": "integer"},
            "enforcement": {"type": "integer"}, "duplicates": {"type": "integer"}, "quarantined": {"type": "integer"},
            "errors": {"type": "array", "items": {"type": "object", "additionalProperties": false, "required": ["line", "reason"], "properties": {
                "line": {"type": "integer"}, "reason": {"type": "string"}}}},
            "errors_truncated": {"type": "boolean"}}},
        "OutboxRow": {"type": "object", "additionalProperties": false, "required": ["id", "idempotency_key", "decision_id", "body", "state", "attempts", "next_attempt_at", "last_error", "created_at", "delivered_at"], "properties": {
            "id": {"type": "integer"}, "idempotency_key": {"type": "string"}, "decision_id": {"type": "integer"}, "body": {"type": "string"},
            "state": {"type": "string", "enum": ["pending", "delivered", "dead"]}, "attempts": {"type": "integer"},
            "next_attempt_at": {"type": "integer"}, "last_error": nullable("string"), "created_at": {"type": "integer"}, "delivered_at": nullable("integer")}},
        "OutboxPage": {"type": "object", "additionalProperties": false, "required": ["items", "next_after"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/OutboxRow"}}, "next_after": nullable("integer")}},
        "Replayed": {"type": "object", "additionalProperties": false, "required": ["replayed"], "properties": {"replayed": {"type": "boolean"}}},
        "NewUserRequest": {"type": "object", "additionalProperties": false, "required": ["name", "role"], "properties": {
            "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}}},
        "NewUser": {"type": "object", "additionalProperties": false, "required": ["name", "role", "token"], "properties": {
            "name": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"}, "token": {"type": "string"}}},
    })
}

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for r in ROUTES {
        let mut params: Vec<Value> = Vec::new();
        if r.path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}));
        }
        for (name, ty, desc) in r.query {
            params.push(json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": ty}}));
        }
        let mut responses = Map::new();
        responses.insert(
            r.status.to_string(),
            json!({"description": "success", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", r.response)}}}}),
        );
        responses.insert("400".into(), err("malformed request"));
        responses.insert("404".into(), err("not found"));
        responses.insert("503".into(), err("the request timed out"));
        if r.request.is_some() {
            responses.insert("413".into(), err("body too large"));
            responses.insert("415".into(), err("not JSON"));
            responses.insert("422".into(), err("wrong types or unknown fields"));
        }
        if r.method == "POST" {
            responses.insert(
                "409".into(),
                err("conflict: claimed, decided or wrong state"),
            );
        }
        if r.id == "ingest" {
            responses.insert(
                "429".into(),
                err("the ingest queue is full; see Retry-After"),
            );
        }
        let mut op = json!({
            "operationId": r.id,
            "summary": r.summary,
            "parameters": params,
            "responses": responses,
        });
        match r.roles {
            None => op["security"] = json!([]),
            Some(roles) => {
                responses_auth(&mut op);
                op["x-roles"] = json!(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>());
            }
        }
        if let Some(req) = r.request {
            let ct = if req == "NdjsonBody" {
                "application/x-ndjson"
            } else {
                "application/json"
            };
            op["requestBody"] = json!({"required": true, "content": {ct: {"schema": {"$ref": format!("#/components/schemas/{req}")}}}});
        }
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        entry[r.method.to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "vigil API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Cases, decisions, audit and ingest. Authenticate with `Authorization: Bearer <token>` (from `vigil user add`). Errors are `{\"error\": {\"code\", \"message\"}}` with stable codes. Lists page with `cursor`/`after` and `limit`."},
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    })
}

fn responses_auth(op: &mut Value) {
    op["responses"]["401"] = err("no or unknown token");
    op["responses"]["403"] = err("the role may not call this route");
}
