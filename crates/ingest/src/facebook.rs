//! Facebook Graph API page and group feeds: `data[]` with `id`, `message`, `created_time`,
//! `from`, `permalink_url`, `attachments`, and `paging`.

use crate::{extract, native::json_reason, Emitter, Limits, LineCursor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use vigil_model::{
    parse_timestamp, Account, AccountKind, Media, MediaKind, Platform, Post, Record,
};

#[derive(Deserialize)]
struct Feed<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<&'a RawValue>>,
    #[serde(borrow, default)]
    error: Option<GraphError<'a>>,
}

#[derive(Deserialize)]
struct GraphError<'a> {
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(default)]
    code: Option<i64>,
}

#[derive(Deserialize)]
struct FbPost<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    created_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    from: Option<From<'a>>,
    #[serde(borrow, default)]
    permalink_url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    attachments: Option<AttachmentList<'a>>,
    #[serde(borrow, default)]
    parent_id: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct From<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct AttachmentList<'a> {
    #[serde(borrow, default)]
    data: Vec<Attachment<'a>>,
}

#[derive(Deserialize)]
struct Attachment<'a> {
    #[serde(borrow, rename = "type", default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    media: Option<AttMedia<'a>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    target: Option<Target<'a>>,
    #[serde(borrow, default)]
    subattachments: Option<Box<AttachmentList<'a>>>,
}

#[derive(Deserialize)]
struct AttMedia<'a> {
    #[serde(borrow, default)]
    image: Option<Image<'a>>,
}

#[derive(Deserialize)]
struct Image<'a> {
    #[serde(borrow, default)]
    src: Option<Cow<'a, str>>,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
}

#[derive(Deserialize)]
struct Target<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
}

pub(crate) fn unit(raw: &[u8], line: u64, _limits: &Limits, em: &mut Emitter<'_>) {
    let feed: Feed<'_> = match serde_json::from_slice(raw) {
        Ok(f) => f,
        Err(e) => return em.quarantine_at(line, &json_reason(raw, &e, 0), raw),
    };
    if let Some(err) = feed.error {
        let msg = err
            .message
            .as_deref()
            .map(|m| vigil_model::truncate_for_message(m, 120))
            .unwrap_or_default();
        return em.quarantine_at(
            line,
            &format!("graph api error {}: {msg}", err.code.unwrap_or(0)),
            raw,
        );
    }
    let Some(data) = feed.data else {
        return em.quarantine_at(line, "missing `data`", raw);
    };
    let mut lines = LineCursor::new(raw, line);
    for (i, d) in data.iter().enumerate() {
        let l = lines.line_of(d.get().as_bytes());
        match post(d.get()) {
            Ok((p, a)) => {
                if let Some(a) = a {
                    em.emit(Record::Account(a), l, d.get().as_bytes());
                }
                em.emit(Record::Post(p), l, d.get().as_bytes())
            }
            Err(r) => em.quarantine_at(l, &format!("data[{i}]: {r}"), d.get().as_bytes()),
        }
    }
}

fn post(raw: &str) -> Result<(Post, Option<Account>), String> {
    let f: FbPost<'_> =
        serde_json::from_str(raw).map_err(|e| json_reason(raw.as_bytes(), &e, 0))?;
    let id = f.id.ok_or("missing id")?;
    let created = parse_timestamp(f.created_time.as_deref().ok_or("missing created_time")?)
        .map_err(|e| e.to_string())?;
    // Page posts have ids `PAGEID_POSTID`; without `from`, the page is the author.
    let page = id.split_once('_').map(|(p, _)| p);
    let author = match (&f.from, page) {
        (Some(from), _) => from.id.to_string(),
        (None, Some(p)) if !p.is_empty() => p.to_string(),
        _ => return Err("missing from and no page prefix in id".into()),
    };
    let p = Platform::Facebook;
    let mut post = Post::new(p.clone(), &id, p.id(&author), created);
    let text = f.message.unwrap_or_default();
    post.hashtags = extract::extract_hashtags(&text);
    post.urls = extract::extract_urls(&text);
    post.text = text.into_owned();
    post.permalink = f.permalink_url.map(Cow::into_owned);
    post.repost_of = f.parent_id.map(|pid| p.id(&pid));
    if let Some(atts) = f.attachments {
        let mut stack: Vec<Attachment<'_>> = atts.data;
        let mut n = 0;
        while let Some(a) = stack.pop() {
            n += 1;
            if n > 1000 {
                return Err("more than 1000 attachments".into());
            }
            if let Some(sub) = a.subattachments {
                stack.extend(sub.data);
            }
            let kind = a.kind.as_deref().unwrap_or("");
            match (kind, a.media.and_then(|m| m.image)) {
                ("photo" | "cover_photo" | "profile_media" | "album", Some(img))
                | ("video_inline" | "video_autoplay" | "animated_image_share", Some(img)) => {
                    let mut m = Media::new(if kind.starts_with("video") {
                        MediaKind::Video
                    } else if kind == "animated_image_share" {
                        MediaKind::AnimatedGif
                    } else {
                        MediaKind::Photo
                    });
                    m.url = img.src.map(Cow::into_owned);
                    m.width = img.width;
                    m.height = img.height;
                    m.key = a.target.and_then(|t| t.id).map(Cow::into_owned);
                    post.media.push(m);
                }
                _ => {
                    if let Some(u) = a.url {
                        if !post.urls.iter().any(|x| x == u.as_ref()) {
                            post.urls.push(u.into_owned());
                        }
                    }
                }
            }
        }
    }
    let account = f.from.map(|from| {
        let mut a = Account::new(p.clone(), &from.id);
        a.display_name = from.name.map(Cow::into_owned);
        if page == Some(from.id.as_ref()) {
            a.kind = AccountKind::Community;
        }
        a
    });
    Ok((post, account))
}
