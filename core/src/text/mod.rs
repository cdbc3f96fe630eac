//! Text helpers every layer above uses: words, paths, percent-encoding, JSON, time.
//! Nothing here knows about containers or rules.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

pub(crate) mod json;
pub(crate) mod shell_words;
pub(crate) mod time;
pub(crate) mod wildcard;

/// Lower-cases a Cow without copying when it already is lower case.
pub fn lower<'a>(s: Cow<'a, str>) -> Cow<'a, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}

/// Decodes `%XX` escapes (and `+` as a space when `plus` is set). Invalid escapes stay as written.
pub fn percent_decode(s: &str, plus: bool) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let hex = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The decoded values of query parameter `key` of a URI, in order (`?command=sh&command=-c`).
pub fn query_values(uri: &str, key: &str) -> Vec<String> {
    let Some((_, query)) = uri.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k, true) == key).then(|| percent_decode(v, true))
        })
        .collect()
}

/// A host path with `//`, `/./` and a trailing `/` removed.
pub fn clean_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for part in p.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Joins arguments with single spaces.
pub fn join(args: &[Cow<'_, str>]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(a);
    }
    out
}

/// The last path component, for `/` and `\` separated paths.
pub fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Appends `bytes` in standard base64 with padding (RFC 4648 §4). Written here rather than
/// taken from the `base64` crate: its engine costs the WASI component kilobytes it does not
/// have under the 1 MiB budget, for one call on malformed input.
pub fn write_base64(bytes: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as usize) << 16 | (b[1] as usize) << 8 | b[2] as usize;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) & 63]);
            } else {
                out.push(b'=');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_rfc4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = Vec::new();
            write_base64(input.as_bytes(), &mut out);
            assert_eq!(out, expected.as_bytes(), "{input}");
        }
    }

    #[test]
    fn query() {
        let uri = "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=cat+%2Fetc%2Fshadow%3B+id&container=web&stdin=true";
        assert_eq!(
            query_values(uri, "command"),
            ["sh", "-c", "cat /etc/shadow; id"]
        );
        assert_eq!(query_values(uri, "container"), ["web"]);
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%2", false), "%zz%2");
        assert_eq!(clean_path("/var/run//docker.sock/"), "/var/run/docker.sock");
        assert_eq!(clean_path("//"), "/");
    }
}
