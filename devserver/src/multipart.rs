//! `multipart/form-data` (RFC 7578) as an upload form is posted: text fields, then the file as
//! the part named `file`. As S3 reads a presigned POST, the file part ends the form: anything
//! after it is ignored (but its closing boundary must be there: a cut-off upload is refused).
//!
//! Bounded: a body of at most [`MAX_FORM_BYTES`], at most [`MAX_PARTS`] parts before the file,
//! part headers of at most [`MAX_HEADER_BYTES`]. Lines end in CRLF; the CRLF before a boundary
//! belongs to the boundary, never to the content. Parameter values may be quoted (`\"` and `\\`
//! escapes); names are kept as sent (browsers send `"` as `%22`).

use std::collections::HashMap;

/// The largest form taken: Lambda's and the dev server's request limit, 6 MiB.
pub const MAX_FORM_BYTES: usize = 6 * 1024 * 1024;
/// The most parts before the file.
pub const MAX_PARTS: usize = 64;
/// The largest header block of one part.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// The name of the file's part (S3's).
pub const FILE_FIELD: &str = "file";

/// A parsed form: its text fields and the file.
#[derive(Debug, PartialEq, Eq)]
pub struct Form {
    pub fields: HashMap<String, String>,
    pub file: FilePart,
}

#[derive(Debug, PartialEq, Eq)]
pub struct FilePart {
    /// The part's `filename` parameter, as sent.
    pub file_name: Option<String>,
    /// The part's own `Content-Type` (the form's `Content-Type` field is what a policy checks).
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// Why a body is not a form.
#[derive(Debug, PartialEq, Eq)]
pub enum FormError {
    /// The request's `Content-Type` is not `multipart/form-data`.
    NotMultipart,
    TooLarge,
    Malformed(&'static str),
}

impl std::fmt::Display for FormError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormError::NotMultipart => f.write_str("the body is not multipart/form-data"),
            FormError::TooLarge => write!(f, "the form is larger than {MAX_FORM_BYTES} bytes"),
            FormError::Malformed(why) => write!(f, "malformed multipart/form-data: {why}"),
        }
    }
}

use FormError::Malformed;

/// The boundary a `Content-Type` of `multipart/form-data` names (1 to 70 characters).
pub fn boundary(content_type: &str) -> Result<String, FormError> {
    let (mime, params) = header_value(content_type)?;
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return Err(FormError::NotMultipart);
    }
    let boundary = params
        .into_iter()
        .find(|(name, _)| name == "boundary")
        .map(|(_, value)| value)
        .ok_or(Malformed("no boundary in the Content-Type"))?;
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"'()+_,-./:=? ".contains(&b);
    let fits = (1..=70).contains(&boundary.len()) && !boundary.ends_with(' ');
    if !fits || !boundary.bytes().all(allowed) {
        return Err(Malformed(
            "a boundary of a wrong length or with characters it may not hold",
        ));
    }
    Ok(boundary)
}

/// The form in `body`, posted with `content_type`.
pub fn parse(content_type: &str, body: &[u8]) -> Result<Form, FormError> {
    let boundary = boundary(content_type)?;
    if body.len() > MAX_FORM_BYTES {
        return Err(FormError::TooLarge);
    }
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut pos = first_delimiter(body, &delimiter)?;
    let mut fields = HashMap::new();
    for _ in 0..=MAX_PARTS {
        let after = &body[pos..];
        if after.starts_with(b"--") {
            return Err(Malformed("no file part (a part named \"file\")"));
        }
        let start = pos + past_line_end(after)?;
        let (headers, content_start) = part_headers(body, start)?;
        let part = Part::of(&headers)?;
        let end = find(&body[content_start..], &delimiter)
            .ok_or(Malformed("a part without its closing boundary"))?
            + content_start;
        let content = &body[content_start..end];
        pos = end + delimiter.len();
        if part.name == FILE_FIELD {
            let file = FilePart {
                file_name: part.file_name,
                content_type: part.content_type,
                bytes: content.to_vec(),
            };
            return Ok(Form { fields, file });
        }
        let value = String::from_utf8(content.to_vec())
            .map_err(|_| Malformed("a text field that is not UTF-8"))?;
        if fields.insert(part.name, value).is_some() {
            return Err(Malformed("a field sent twice"));
        }
    }
    Err(Malformed("too many parts"))
}

/// Where the first part's boundary line goes on: after `--boundary` at the very start, or after
/// the first CRLF `--boundary` (a preamble before it is ignored).
fn first_delimiter(body: &[u8], delimiter: &[u8]) -> Result<usize, FormError> {
    let dash_boundary = &delimiter[2..];
    if body.starts_with(dash_boundary) {
        return Ok(dash_boundary.len());
    }
    find(body, delimiter)
        .map(|at| at + delimiter.len())
        .ok_or(Malformed("no boundary line"))
}

/// The length of a boundary line's end: optional spaces or tabs, then CRLF.
fn past_line_end(after: &[u8]) -> Result<usize, FormError> {
    let padding = after
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    if after[padding..].starts_with(b"\r\n") {
        Ok(padding + 2)
    } else {
        Err(Malformed("a boundary line that does not end in CRLF"))
    }
}

/// A part's header lines from `start` to the blank line, and where its content starts.
fn part_headers(body: &[u8], start: usize) -> Result<(Vec<(String, String)>, usize), FormError> {
    let rest = &body[start..];
    if rest.starts_with(b"\r\n") {
        return Ok((Vec::new(), start + 2));
    }
    let window = &rest[..rest.len().min(MAX_HEADER_BYTES + 4)];
    let end = find(window, b"\r\n\r\n").ok_or(Malformed(
        "a part's headers without their blank line (or longer than 8 KiB)",
    ))?;
    let text = String::from_utf8_lossy(&rest[..end]);
    let mut headers = Vec::new();
    for line in text.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            return Err(Malformed("a folded header line"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or(Malformed("a header line without ':'"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok((headers, start + end + 4))
}

/// What a part's headers say.
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl Part {
    fn of(headers: &[(String, String)]) -> Result<Part, FormError> {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let disposition =
            header("content-disposition").ok_or(Malformed("a part without Content-Disposition"))?;
        let (kind, params) = header_value(disposition)?;
        if !kind.eq_ignore_ascii_case("form-data") {
            return Err(Malformed("a part whose disposition is not form-data"));
        }
        let param = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        Ok(Part {
            name: param("name").ok_or(Malformed("a part without a name"))?,
            file_name: param("filename"),
            content_type: header("content-type").map(str::to_owned),
        })
    }
}

/// `value; a=b; c="d;e"` → `("value", [("a", "b"), ("c", "d;e")])`, parameter names in lower
/// case.
fn header_value(value: &str) -> Result<(String, Vec<(String, String)>), FormError> {
    let mut pieces = split_unquoted(value)?.into_iter();
    let first = pieces.next().unwrap_or_default().trim().to_string();
    let mut params = Vec::new();
    for piece in pieces.filter(|p| !p.trim().is_empty()) {
        let (name, raw) = piece
            .split_once('=')
            .ok_or(Malformed("a header parameter without '='"))?;
        let raw = raw.trim();
        let value = match raw.strip_prefix('"') {
            Some(quoted) => unquote(
                quoted
                    .strip_suffix('"')
                    .ok_or(Malformed("text after a quoted parameter"))?,
            ),
            None => raw.to_string(),
        };
        params.push((name.trim().to_ascii_lowercase(), value));
    }
    Ok((first, params))
}

/// `value` cut at the semicolons outside quoted strings.
fn split_unquoted(value: &str) -> Result<Vec<&str>, FormError> {
    let (mut pieces, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                pieces.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quoted {
        return Err(Malformed("an unterminated quoted string"));
    }
    pieces.push(&value[start..]);
    Ok(pieces)
}

/// A quoted string's content with its `\"` and `\\` escapes undone (other backslashes kept).
fn unquote(quoted: &str) -> String {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next @ ('"' | '\\'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
