//! Telegram Desktop export `result.json`: a single chat (`name`, `type`, `id`, `messages`) or a
//! full export (`chats.list[]`), read in bounded memory one message at a time.

use crate::split::{Capture, Event, Seg, SplitError, Splitter};
use crate::{extract, native::json_reason, Emitter, Limits};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, Read};
use vigil_model::{
    from_unix_seconds, parse_timestamp, Account, AccountKind, Media, MediaKind, Platform, Post,
    Record,
};

fn plan(p: &[Seg]) -> Capture {
    use Seg::{Index as I, Key as K};
    let meta = |k: &str| matches!(k, "name" | "type" | "id");
    match p {
        [] => Capture::Descend,
        [K(k)] if meta(k) => Capture::Whole,
        [K(k)] if k == "messages" => Capture::Elements,
        [K(k)] if k == "chats" || k == "left_chats" => Capture::Descend,
        [K(_), K(l)] if l == "list" => Capture::Descend,
        [K(_), K(_), I(_)] => Capture::Descend,
        [K(_), K(_), I(_), K(k)] if meta(k) => Capture::Whole,
        [K(_), K(_), I(_), K(k)] if k == "messages" => Capture::Elements,
        _ => Capture::Skip,
    }
}

#[derive(Default)]
struct Chat {
    /// Where this chat sits: empty for a single-chat export, else `chats.list[i]`.
    key: Vec<Seg>,
    name: Option<String>,
    kind: Option<String>,
    id: Option<i64>,
    announced: bool,
    senders: HashSet<String>,
}

impl Chat {
    fn native(&self) -> Option<String> {
        let id = self.id?;
        let kind = self.kind.as_deref().unwrap_or("");
        Some(if kind.contains("channel") || kind.contains("supergroup") {
            format!("channel{id}")
        } else if kind.contains("group") {
            format!("chat{id}")
        } else {
            format!("user{id}")
        })
    }
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(default)]
    id: Option<i64>,
    #[serde(borrow, rename = "type", default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    date_unixtime: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    from: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    from_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<&'a RawValue>,
    #[serde(borrow, default)]
    text_entities: Option<Vec<Piece<'a>>>,
    #[serde(borrow, default)]
    forwarded_from_id: Option<Cow<'a, str>>,
    #[serde(default)]
    reply_to_message_id: Option<i64>,
    #[serde(borrow, default)]
    photo: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    file: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    media_type: Option<Cow<'a, str>>,
    #[serde(default)]
    width: Option<u32>,
    #[serde(default)]
    height: Option<u32>,
}

/// One piece of a message's `text` array: a plain string or an entity object.
#[derive(Deserialize)]
#[serde(untagged)]
enum Piece<'a> {
    Plain(#[serde(borrow)] Cow<'a, str>),
    Entity {
        #[serde(borrow, rename = "type", default)]
        kind: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        text: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        href: Option<Cow<'a, str>>,
        #[serde(default)]
        user_id: Option<i64>,
    },
}

pub(crate) fn read<R: Read>(
    src: R,
    limits: &Limits,
    em: &mut Emitter<'_>,
    progress: &mut dyn FnMut(u64),
) -> io::Result<()> {
    let mut sp = Splitter::new(src, limits.max_record, limits.max_depth);
    let mut chat = Chat::default();
    let mut last = 0;
    let r = sp.run(&plan, &mut |ev| {
        match ev {
            Event::Value {
                path: [],
                line,
                raw,
            } => em.quarantine_at(
                line,
                "not a Telegram export: the document is not an object",
                raw,
            ),
            Event::Value { path, raw, line } => {
                let (ctx, leaf) = path.split_at(path.len() - 1);
                // Metadata and messages both sit under the chat's path.
                let chat_key: &[Seg] = if matches!(leaf, [Seg::Index(_)]) {
                    &ctx[..ctx.len() - 1]
                } else {
                    ctx
                };
                if chat.key.as_slice() != chat_key {
                    chat = Chat {
                        key: chat_key.to_vec(),
                        ..Chat::default()
                    };
                }
                match leaf {
                    [Seg::Key(k)] if k == "name" => chat.name = serde_json::from_slice(raw).ok(),
                    [Seg::Key(k)] if k == "type" => chat.kind = serde_json::from_slice(raw).ok(),
                    [Seg::Key(k)] if k == "id" => chat.id = serde_json::from_slice(raw).ok(),
                    [Seg::Index(_)] => message(raw, line, &mut chat, em),
                    _ => {}
                }
            }
            Event::TooLarge { line, len, .. } => em.quarantine_at(
                line,
                &format!(
                    "message of {len} bytes exceeds the {} byte bound",
                    limits.max_record
                ),
                b"",
            ),
        }
        let _ = &mut last;
    });
    progress(sp.bytes_read());
    match r {
        Ok(()) => Ok(()),
        Err(SplitError::Io(e)) => Err(e),
        Err(e) => {
            let line = e.line().unwrap_or(0);
            em.quarantine_at(
                line,
                &format!("{e}; records before this point were kept"),
                b"",
            );
            Ok(())
        }
    }
}

fn message(raw: &[u8], line: u64, chat: &mut Chat, em: &mut Emitter<'_>) {
    let m: Message<'_> = match serde_json::from_slice(raw) {
        Ok(m) => m,
        Err(e) => return em.quarantine_at(line, &json_reason(raw, &e, 0), raw),
    };
    if m.kind.as_deref().is_some_and(|k| k != "message") {
        return em.skipped(); // service messages: joins, pins, calls
    }
    let Some(chat_native) = chat.native() else {
        return em.quarantine_at(line, "message before its chat's `id` and `type`", raw);
    };
    let p = Platform::Telegram;
    if !chat.announced {
        chat.announced = true;
        let mut a = Account::new(p.clone(), &chat_native);
        a.kind = if chat_native.starts_with("user") {
            AccountKind::User
        } else {
            AccountKind::Channel
        };
        a.display_name = chat.name.clone();
        em.emit(Record::Account(a), line, raw);
    }
    let Some(id) = m.id else {
        return em.quarantine_at(line, "missing id", raw);
    };
    let created = match (&m.date_unixtime, &m.date) {
        (Some(u), _) => u
            .parse::<i64>()
            .map_err(|_| {
                format!(
                    "bad date_unixtime {:?}",
                    vigil_model::truncate_for_message(u, 30)
                )
            })
            .and_then(|s| from_unix_seconds(s).map_err(|e| e.to_string())),
        (None, Some(d)) => parse_timestamp(d).map_err(|e| e.to_string()),
        (None, None) => Err("missing date".to_string()),
    };
    let created = match created {
        Ok(c) => c,
        Err(r) => return em.quarantine_at(line, &r, raw),
    };
    let author = match &m.from_id {
        Some(f) if !f.is_empty() => f.to_string(),
        _ => chat_native.clone(),
    };
    if author != chat_native
        && chat.senders.len() < 1_000_000
        && chat.senders.insert(author.clone())
    {
        let mut a = Account::new(p.clone(), &author);
        a.display_name = m.from.as_deref().map(str::to_string);
        a.kind = if author.starts_with("channel") {
            AccountKind::Channel
        } else {
            AccountKind::User
        };
        em.emit(Record::Account(a), line, raw);
    }
    let mut post = Post::new(
        p.clone(),
        &format!("{chat_native}/{id}"),
        p.id(&author),
        created,
    );
    // `text` is a string, or an array of strings and entity objects.
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    match m.text {
        Some(t) if t.get().starts_with('[') => {
            match serde_json::from_str::<Vec<Piece<'_>>>(t.get()) {
                Ok(v) => pieces = v,
                Err(e) => {
                    return em.quarantine_at(
                        line,
                        &format!("text: {}", json_reason(raw, &e, 0)),
                        raw,
                    )
                }
            }
        }
        Some(t) if t.get().starts_with('"') => {
            match serde_json::from_str::<Cow<'_, str>>(t.get()) {
                Ok(s) => {
                    post.text = s.into_owned();
                    if let Some(ents) = m.text_entities {
                        pieces = ents
                            .into_iter()
                            .filter(|p| matches!(p, Piece::Entity { .. }))
                            .collect();
                    } else {
                        post.hashtags = extract::extract_hashtags(&post.text);
                        post.mentions = extract::extract_mentions(&post.text);
                        post.urls = extract::extract_urls(&post.text);
                    }
                }
                Err(e) => {
                    return em.quarantine_at(
                        line,
                        &format!("text: {}", json_reason(raw, &e, 0)),
                        raw,
                    )
                }
            }
        }
        Some(_) => return em.quarantine_at(line, "text is neither a string nor an array", raw),
        None => {}
    }
    let build_text = post.text.is_empty();
    for piece in pieces {
        match piece {
            Piece::Plain(s) => {
                if build_text {
                    post.text.push_str(&s)
                }
            }
            Piece::Entity {
                kind,
                text,
                href,
                user_id,
            } => {
                let text = text.unwrap_or_default();
                if build_text {
                    post.text.push_str(&text); // unknown entity types keep their text
                }
                match kind.as_deref() {
                    Some("hashtag") => post
                        .hashtags
                        .push(text.trim_start_matches(['#', '＃']).to_string()),
                    Some("mention") => post.mentions.push(text.trim_start_matches('@').to_string()),
                    Some("mention_name") => {
                        if let Some(u) = user_id {
                            post.mentions.push(format!("user{u}"))
                        }
                    }
                    Some("link") => post.urls.push(text.into_owned()),
                    Some("text_link") => {
                        if let Some(h) = href {
                            post.urls.push(h.into_owned())
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    post.reply_to = m
        .reply_to_message_id
        .map(|r| p.id(&format!("{chat_native}/{r}")));
    post.forwarded_from = m
        .forwarded_from_id
        .filter(|f| !f.is_empty())
        .map(|f| p.id(&f));
    let not_included = |s: &str| s.starts_with("(File not included") || s.is_empty();
    if let Some(ph) = m.photo {
        let mut md = Media::new(MediaKind::Photo);
        if !not_included(&ph) {
            md.path = Some(em.resolve_media(&ph));
        }
        md.width = m.width;
        md.height = m.height;
        post.media.push(md);
    }
    if let Some(f) = m.file {
        let mut md = Media::new(match m.media_type.as_deref() {
            Some("video_file" | "video_message") => MediaKind::Video,
            Some("animation") => MediaKind::AnimatedGif,
            Some("voice_message" | "audio_file") => MediaKind::Audio,
            Some("sticker") => MediaKind::Other,
            _ => MediaKind::File,
        });
        if !not_included(&f) {
            md.path = Some(em.resolve_media(&f));
        }
        md.width = m.width;
        md.height = m.height;
        post.media.push(md);
    }
    if chat_native.starts_with("channel")
        && chat
            .kind
            .as_deref()
            .is_some_and(|k| k.starts_with("public"))
    {
        // Public channels have links only by username, which the export does not carry.
        post.permalink = None;
    }
    em.emit(Record::Post(post), line, raw);
}
