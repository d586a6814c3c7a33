//! Entity extraction for platforms that do not hand entities over (VK, Facebook, Telegram
//! plain strings). A deliberately simple scanner; vigil-text's twitter-text extraction is
//! the exact one and re-derives entities for every post downstream.

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || ('\u{0300}'..='\u{036f}').contains(&c)
        || ('\u{064b}'..='\u{065f}').contains(&c)
}

/// `#tag` runs that start at a word boundary and hold at least one letter.
pub fn extract_hashtags(text: &str) -> Vec<String> {
    extract_prefixed(text, &['#', '＃'], 140, true)
}

/// `@handle` runs of ASCII word characters.
pub fn extract_mentions(text: &str) -> Vec<String> {
    extract_prefixed(text, &['@', '＠'], 64, false)
        .into_iter()
        .filter(|m| m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect()
}

fn extract_prefixed(
    text: &str,
    marks: &[char],
    max_chars: usize,
    need_letter: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if marks.contains(&c) && !prev.is_some_and(|p| is_word(p) || marks.contains(&p) || p == '&')
        {
            let start = i + c.len_utf8();
            let mut end = start;
            let mut n = 0;
            let mut letter = false;
            while let Some(&(j, d)) = it.peek() {
                if !is_word(d) || n >= max_chars {
                    break;
                }
                letter |= d.is_alphabetic();
                n += 1;
                end = j + d.len_utf8();
                it.next();
            }
            if end > start && (letter || !need_letter) {
                out.push(text[start..end].to_string());
            }
            prev = text[..end].chars().next_back();
            continue;
        }
        prev = Some(c);
    }
    out
}

/// `http://` and `https://` URLs up to whitespace, without trailing punctuation.
pub fn extract_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memmem::find(&lower[i..], b"http") {
        let s = i + off;
        let rest = &text[s..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            i = s + 4;
            continue;
        };
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '«' | '»'))
            .unwrap_or(rest.len());
        let mut url = &rest[..end];
        while let Some(c) = url.chars().next_back() {
            if matches!(
                c,
                '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '\'' | '،'
            ) {
                url = &url[..url.len() - c.len_utf8()];
            } else {
                break;
            }
        }
        if url.len() > scheme && url.len() <= 4096 {
            out.push(url.to_string());
        }
        i = s + end.max(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_in_every_script() {
        assert_eq!(
            extract_hashtags("#AllEyesOnISIS and #الدولة_الإسلامية, #ИГИЛ #123 a#b"),
            ["AllEyesOnISIS", "الدولة_الإسلامية", "ИГИЛ"]
        );
        assert_eq!(
            extract_mentions("hi @user_1 and mail@example.test"),
            ["user_1"]
        );
        assert_eq!(
            extract_urls("see https://t.me/example_chan. and (http://vk.com/club1)"),
            ["https://t.me/example_chan", "http://vk.com/club1"]
        );
    }
}
