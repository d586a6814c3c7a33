//! VK API `wall.get` and `newsfeed.search` responses with `extended=1`: `response.items`,
//! `profiles` and `groups`. A negative owner or author id is a community.

use crate::{extract, native::json_reason, Emitter, Limits, LineCursor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use vigil_model::{
    from_unix_seconds, Account, AccountKind, AccountStatus, Media, MediaKind, Platform, Post,
    Record,
};

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    response: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<ApiError<'a>>,
}

#[derive(Deserialize)]
struct ApiError<'a> {
    #[serde(default)]
    error_code: Option<i64>,
    #[serde(borrow, default)]
    error_msg: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Response<'a> {
    #[serde(borrow, default)]
    items: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    profiles: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    groups: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    owner_id: Option<i64>,
    #[serde(default)]
    from_id: Option<i64>,
    #[serde(default)]
    date: Option<i64>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    copy_history: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    attachments: Vec<Attachment<'a>>,
}

#[derive(Deserialize)]
struct Attachment<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    photo: Option<Photo<'a>>,
    #[serde(borrow, default)]
    link: Option<Link<'a>>,
    #[serde(default)]
    video: Option<Owned>,
    #[serde(borrow, default)]
    doc: Option<Doc<'a>>,
}

#[derive(Deserialize)]
struct Photo<'a> {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    owner_id: Option<i64>,
    #[serde(borrow, default)]
    sizes: Vec<Size<'a>>,
}

#[derive(Deserialize)]
struct Size<'a> {
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
}

#[derive(Deserialize)]
struct Link<'a> {
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Owned {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    owner_id: Option<i64>,
}

#[derive(Deserialize)]
struct Doc<'a> {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    owner_id: Option<i64>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Profile<'a> {
    id: i64,
    #[serde(borrow, default)]
    first_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    screen_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    photo_200: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    photo_100: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    photo_50: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deactivated: Option<Cow<'a, str>>,
    #[serde(default)]
    followers_count: Option<u64>,
    #[serde(default)]
    members_count: Option<u64>,
    #[serde(borrow, default)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    description: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    about: Option<Cow<'a, str>>,
}

pub(crate) fn unit(raw: &[u8], line: u64, _limits: &Limits, em: &mut Emitter<'_>) {
    let env: Envelope<'_> = match serde_json::from_slice(raw) {
        Ok(e) => e,
        Err(e) => return em.quarantine_at(line, &json_reason(raw, &e, 0), raw),
    };
    if let Some(err) = env.error {
        let msg = err
            .error_msg
            .as_deref()
            .map(|m| vigil_model::truncate_for_message(m, 120))
            .unwrap_or_default();
        return em.quarantine_at(
            line,
            &format!("vk api error {}: {msg}", err.error_code.unwrap_or(0)),
            raw,
        );
    }
    let Some(resp) = env.response else {
        return em.quarantine_at(line, "missing `response`", raw);
    };
    let mut lines = LineCursor::new(raw, line);
    let r: Response<'_> = if resp.get().starts_with('[') {
        // wall.getById and friends answer with a bare array of items.
        match serde_json::from_str(resp.get()) {
            Ok(items) => Response {
                items,
                profiles: Vec::new(),
                groups: Vec::new(),
            },
            Err(e) => {
                return em.quarantine_at(
                    line,
                    &format!("response: {}", json_reason(raw, &e, 0)),
                    raw,
                )
            }
        }
    } else {
        match serde_json::from_str(resp.get()) {
            Ok(r) => r,
            Err(e) => {
                return em.quarantine_at(
                    line,
                    &format!("response: {}", json_reason(raw, &e, 0)),
                    raw,
                )
            }
        }
    };
    for (what, list, community) in [
        ("profiles", &r.profiles, false),
        ("groups", &r.groups, true),
    ] {
        for (i, p) in list.iter().enumerate() {
            let l = lines.line_of(p.get().as_bytes());
            match profile(p.get(), community) {
                Ok(a) => em.emit(Record::Account(a), l, p.get().as_bytes()),
                Err(reason) => em.quarantine_at(
                    l,
                    &format!("response.{what}[{i}]: {reason}"),
                    p.get().as_bytes(),
                ),
            }
        }
    }
    for (i, it) in r.items.iter().enumerate() {
        let l = lines.line_of(it.get().as_bytes());
        let mut out = Vec::new();
        match item(it.get(), 0, &mut out) {
            Ok(()) => {
                for p in out {
                    em.emit(Record::Post(p), l, it.get().as_bytes())
                }
            }
            Err(reason) => em.quarantine_at(
                l,
                &format!("response.items[{i}]: {reason}"),
                it.get().as_bytes(),
            ),
        }
    }
}

fn profile(raw: &str, community: bool) -> Result<Account, String> {
    let p: Profile<'_> =
        serde_json::from_str(raw).map_err(|e| json_reason(raw.as_bytes(), &e, 0))?;
    if p.id <= 0 {
        return Err(format!("invalid id {}", p.id));
    }
    let native = if community {
        format!("-{}", p.id)
    } else {
        p.id.to_string()
    };
    let mut a = Account::new(Platform::Vk, &native);
    a.kind = if community {
        AccountKind::Community
    } else {
        AccountKind::User
    };
    a.handle = p.screen_name.map(Cow::into_owned);
    a.display_name = match (p.name, p.first_name, p.last_name) {
        (Some(n), _, _) => Some(n.into_owned()),
        (None, Some(f), Some(l)) => Some(format!("{f} {l}")),
        (None, Some(f), None) => Some(f.into_owned()),
        (None, None, Some(l)) => Some(l.into_owned()),
        _ => None,
    };
    a.bio = p
        .description
        .or(p.about)
        .or(p.status)
        .filter(|s| !s.is_empty())
        .map(Cow::into_owned);
    a.avatar_url = p
        .photo_200
        .or(p.photo_100)
        .or(p.photo_50)
        .map(Cow::into_owned);
    a.followers = p.followers_count.or(p.members_count);
    a.status = match p.deactivated.as_deref() {
        Some("banned") => AccountStatus::Suspended,
        Some("deleted") => AccountStatus::Deleted,
        Some(_) => AccountStatus::Unknown,
        None => AccountStatus::Active,
    };
    Ok(a)
}

/// Convert an item and, recursively, its `copy_history`, pushing the item last.
fn item(raw: &str, depth: usize, out: &mut Vec<Post>) -> Result<(), String> {
    if depth > 8 {
        return Err("copy_history nested deeper than 8".into());
    }
    let it: Item<'_> = serde_json::from_str(raw).map_err(|e| json_reason(raw.as_bytes(), &e, 0))?;
    let id = it.id.ok_or("missing id")?;
    let owner = it.owner_id.or(it.from_id).ok_or("missing owner_id")?;
    let from = it.from_id.unwrap_or(owner);
    let created = from_unix_seconds(it.date.ok_or("missing date")?).map_err(|e| e.to_string())?;
    let p = Platform::Vk;
    let mut post = Post::new(
        p.clone(),
        &format!("{owner}_{id}"),
        p.id(&from.to_string()),
        created,
    );
    let text = it.text.unwrap_or_default();
    post.hashtags = extract::extract_hashtags(&text);
    post.mentions = vk_mentions(&text);
    post.urls = extract::extract_urls(&text);
    post.text = text.into_owned();
    for a in it.attachments {
        match a.kind.as_ref() {
            "photo" => {
                if let Some(ph) = a.photo {
                    let mut m = Media::new(MediaKind::Photo);
                    if let (Some(o), Some(i)) = (ph.owner_id, ph.id) {
                        m.key = Some(format!("photo{o}_{i}"));
                    }
                    if let Some(best) = ph
                        .sizes
                        .iter()
                        .max_by_key(|s| s.width.unwrap_or(0) as u64 * s.height.unwrap_or(0) as u64)
                    {
                        m.url = best.url.as_deref().map(str::to_string);
                        m.width = best.width;
                        m.height = best.height;
                    }
                    post.media.push(m);
                }
            }
            "link" => {
                if let Some(u) = a.link.and_then(|l| l.url) {
                    if !post.urls.iter().any(|x| x == u.as_ref()) {
                        post.urls.push(u.into_owned());
                    }
                }
            }
            "video" => {
                let mut m = Media::new(MediaKind::Video);
                if let Some(v) = a.video {
                    if let (Some(o), Some(i)) = (v.owner_id, v.id) {
                        m.key = Some(format!("video{o}_{i}"));
                    }
                }
                post.media.push(m);
            }
            "doc" => {
                let mut m = Media::new(MediaKind::File);
                if let Some(d) = a.doc {
                    if let (Some(o), Some(i)) = (d.owner_id, d.id) {
                        m.key = Some(format!("doc{o}_{i}"));
                    }
                    m.url = d.url.map(Cow::into_owned);
                }
                post.media.push(m);
            }
            _ => {}
        }
    }
    post.permalink = Some(format!("https://vk.com/wall{owner}_{id}"));
    let mut first_copy = None;
    for c in it.copy_history.iter() {
        let before = out.len();
        item(c.get(), depth + 1, out)?;
        if first_copy.is_none() && out.len() > before {
            first_copy = out.last().map(|p| p.id.clone());
        }
    }
    post.repost_of = first_copy;
    out.push(post);
    Ok(())
}

/// VK's inline mentions look like `[id123|Name]` or `[club45|Name]`; plain `@name` also occurs.
fn vk_mentions(text: &str) -> Vec<String> {
    let mut out = extract::extract_mentions(text);
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        rest = &rest[i + 1..];
        if let Some(bar) = rest.find('|') {
            let target = &rest[..bar];
            let ok = target.len() <= 64
                && (target.starts_with("id")
                    || target.starts_with("club")
                    || target.starts_with("public"))
                && target
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if ok {
                out.push(target.to_string());
            }
        }
    }
    out
}
