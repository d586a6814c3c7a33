//! Twitter/X API v2: search and timeline pages (`data`, `includes`, `meta`), filtered-stream
//! lines (`data` as one object plus `matching_rules`), and bare tweet objects.

use crate::{native::json_reason, Emitter, Limits, LineCursor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use vigil_model::{parse_timestamp, Account, Media, MediaKind, Platform, Post, Record};

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(borrow, default)]
    includes: Option<Includes<'a>>,
    /// Present on a bare tweet (no envelope).
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Includes<'a> {
    #[serde(borrow, default)]
    users: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    media: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    tweets: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct Tweet<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    author_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    lang: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    referenced_tweets: Vec<Ref<'a>>,
    #[serde(borrow, default)]
    entities: Option<Entities<'a>>,
    #[serde(borrow, default)]
    attachments: Option<Attachments<'a>>,
    #[serde(borrow, default)]
    note_tweet: Option<NoteTweet<'a>>,
}

#[derive(Deserialize)]
struct Ref<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
}

#[derive(Deserialize, Default)]
struct Entities<'a> {
    #[serde(borrow, default)]
    hashtags: Vec<Tag<'a>>,
    #[serde(borrow, default)]
    mentions: Vec<MentionEnt<'a>>,
    #[serde(borrow, default)]
    urls: Vec<UrlEnt<'a>>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    tag: Cow<'a, str>,
}

#[derive(Deserialize)]
struct MentionEnt<'a> {
    #[serde(borrow)]
    username: Cow<'a, str>,
}

#[derive(Deserialize)]
struct UrlEnt<'a> {
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    expanded_url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Attachments<'a> {
    #[serde(borrow, default)]
    media_keys: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct NoteTweet<'a> {
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct User<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    username: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    description: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    created_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    profile_image_url: Option<Cow<'a, str>>,
    #[serde(default)]
    public_metrics: Option<UserMetrics>,
    #[serde(borrow, default)]
    withheld: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct UserMetrics {
    #[serde(default)]
    followers_count: Option<u64>,
    #[serde(default)]
    following_count: Option<u64>,
}

#[derive(Deserialize)]
struct MediaObj<'a> {
    #[serde(borrow)]
    media_key: Cow<'a, str>,
    #[serde(borrow, rename = "type", default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    preview_image_url: Option<Cow<'a, str>>,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
}

/// One API response, stream line or bare tweet.
pub(crate) fn unit(raw: &[u8], line: u64, _limits: &Limits, em: &mut Emitter<'_>) {
    let page: Page<'_> = match serde_json::from_slice(raw) {
        Ok(p) => p,
        Err(e) => return em.quarantine_at(line, &json_reason(raw, &e, 0), raw),
    };
    let mut lines = LineCursor::new(raw, line);
    let includes = page.includes.unwrap_or_default();
    let mut media: HashMap<&str, Media> = HashMap::new();
    let mut media_objs = Vec::new();
    for (i, m) in includes.media.iter().enumerate() {
        match serde_json::from_str::<MediaObj<'_>>(m.get()) {
            Ok(m) => media_objs.push(m),
            Err(e) => {
                let l = lines.line_of(m.get().as_bytes());
                em.quarantine_at(
                    l,
                    &format!(
                        "includes.media[{i}]: {}",
                        json_reason(m.get().as_bytes(), &e, 0)
                    ),
                    m.get().as_bytes(),
                )
            }
        }
    }
    for m in &media_objs {
        let mut out = Media::new(match m.kind.as_deref() {
            Some("photo") => MediaKind::Photo,
            Some("video") => MediaKind::Video,
            Some("animated_gif") => MediaKind::AnimatedGif,
            _ => MediaKind::Other,
        });
        out.url = m
            .url
            .as_deref()
            .or(m.preview_image_url.as_deref())
            .map(str::to_string);
        out.width = m.width;
        out.height = m.height;
        out.key = Some(m.media_key.to_string());
        media.insert(&m.media_key, out);
    }
    for (i, u) in includes.users.iter().enumerate() {
        let l = lines.line_of(u.get().as_bytes());
        match user(u.get()) {
            Ok(a) => em.emit(Record::Account(a), l, u.get().as_bytes()),
            Err(r) => em.quarantine_at(l, &format!("includes.users[{i}]: {r}"), u.get().as_bytes()),
        }
    }
    // Referenced tweets first, then the page's own.
    for (i, t) in includes.tweets.iter().enumerate() {
        let l = lines.line_of(t.get().as_bytes());
        match tweet(t.get(), &media) {
            Ok(p) => em.emit(Record::Post(p), l, t.get().as_bytes()),
            Err(r) => {
                em.quarantine_at(l, &format!("includes.tweets[{i}]: {r}"), t.get().as_bytes())
            }
        }
    }
    match (page.data, page.id) {
        (Some(d), _) if d.get().starts_with('[') => {
            let items: Vec<&RawValue> = match serde_json::from_str(d.get()) {
                Ok(v) => v,
                Err(e) => {
                    return em.quarantine_at(
                        line,
                        &format!("data: {}", json_reason(raw, &e, 0)),
                        raw,
                    )
                }
            };
            for (i, t) in items.iter().enumerate() {
                let l = lines.line_of(t.get().as_bytes());
                match tweet(t.get(), &media) {
                    Ok(p) => em.emit(Record::Post(p), l, t.get().as_bytes()),
                    Err(r) => em.quarantine_at(l, &format!("data[{i}]: {r}"), t.get().as_bytes()),
                }
            }
        }
        (Some(d), _) if d.get().starts_with('{') => match tweet(d.get(), &media) {
            Ok(p) => em.emit(Record::Post(p), line, raw),
            Err(r) => em.quarantine_at(line, &format!("data: {r}"), raw),
        },
        (Some(_), _) => em.quarantine_at(line, "data is neither an object nor an array", raw),
        (None, Some(_)) => match tweet(std::str::from_utf8(raw).unwrap_or_default(), &media) {
            Ok(p) => em.emit(Record::Post(p), line, raw),
            Err(r) => em.quarantine_at(line, &r, raw),
        },
        // An `errors`-only or empty page carries nothing to keep.
        (None, None) => {
            if includes.users.is_empty() && includes.tweets.is_empty() {
                em.skipped()
            }
        }
    }
}

fn tweet(raw: &str, media: &HashMap<&str, Media>) -> Result<Post, String> {
    let t: Tweet<'_> = serde_json::from_str(raw).map_err(|e| json_reason(raw.as_bytes(), &e, 0))?;
    let id = t.id.ok_or("missing id")?;
    let author = t.author_id.ok_or("missing author_id")?;
    let created = parse_timestamp(t.created_at.as_deref().ok_or("missing created_at")?)
        .map_err(|e| e.to_string())?;
    let p = Platform::Twitter;
    let mut post = Post::new(p.clone(), &id, p.id(&author), created);
    let text = t
        .note_tweet
        .and_then(|n| n.text)
        .or(t.text)
        .unwrap_or_default();
    post.text = text.into_owned();
    post.lang = t
        .lang
        .filter(|l| !l.is_empty() && l != "und")
        .map(Cow::into_owned);
    for r in t.referenced_tweets {
        let rid = Some(p.id(&r.id));
        match r.kind.as_ref() {
            "retweeted" => post.repost_of = rid,
            "quoted" => post.quote_of = rid,
            "replied_to" => post.reply_to = rid,
            _ => {}
        }
    }
    if let Some(e) = t.entities {
        post.hashtags = e.hashtags.into_iter().map(|h| h.tag.into_owned()).collect();
        post.mentions = e
            .mentions
            .into_iter()
            .map(|m| m.username.into_owned())
            .collect();
        post.urls = e
            .urls
            .into_iter()
            .filter_map(|u| u.expanded_url.or(u.url))
            .map(Cow::into_owned)
            .collect();
    }
    if let Some(a) = t.attachments {
        for k in a.media_keys {
            post.media
                .push(media.get(k.as_ref()).cloned().unwrap_or_else(|| {
                    let mut m = Media::new(MediaKind::Other);
                    m.key = Some(k.into_owned());
                    m
                }));
        }
    }
    post.permalink = Some(format!("https://twitter.com/i/web/status/{id}"));
    Ok(post)
}

fn user(raw: &str) -> Result<Account, String> {
    let u: User<'_> = serde_json::from_str(raw).map_err(|e| json_reason(raw.as_bytes(), &e, 0))?;
    let id = u.id.ok_or("missing id")?;
    let mut a = Account::new(Platform::Twitter, &id);
    a.handle = u.username.map(Cow::into_owned);
    a.display_name = u.name.map(Cow::into_owned);
    a.bio = u.description.map(Cow::into_owned);
    a.created_at = match u.created_at {
        Some(c) => Some(parse_timestamp(&c).map_err(|e| e.to_string())?),
        None => None,
    };
    a.avatar_url = u.profile_image_url.map(Cow::into_owned);
    if let Some(m) = u.public_metrics {
        a.followers = m.followers_count;
        a.following = m.following_count;
    }
    if u.withheld.is_some() {
        a.status = vigil_model::AccountStatus::Unknown;
    }
    Ok(a)
}
