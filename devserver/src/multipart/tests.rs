use super::*;

const CHROME: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

/// A body of `parts` (header lines, content) between `boundary` lines, closed by `close`.
fn body(boundary: &str, parts: &[(&str, &[u8])], close: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (headers, content) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        out.extend_from_slice(content);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}{close}").as_bytes());
    out
}

fn field(name: &str) -> String {
    format!("Content-Disposition: form-data; name=\"{name}\"")
}

/// Bytes a careless parser cuts short: CRLFs, dashes, the boundary without its leading CRLF, a
/// part of it after one, and a final CRLF of the file's own (the delimiter itself, CRLF and the
/// whole boundary, no content may hold: RFC 2046).
fn tricky_file(boundary: &str) -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0xff];
    bytes.extend_from_slice(b"\r\n--\r\n\r\nx");
    bytes.extend_from_slice(format!("--{boundary}").as_bytes());
    bytes.extend_from_slice(format!("\r\n--{}", &boundary[..10]).as_bytes());
    bytes.extend_from_slice(b"\r\n");
    bytes
}

#[test]
fn a_browser_form_with_a_binary_file() {
    let file = tricky_file(CHROME);
    let (key, ct) = (field("key"), field("Content-Type"));
    let file_headers =
        "Content-Disposition: form-data; name=\"file\"; filename=\"证书 scan.png\"\r\n\
                        Content-Type: image/png";
    let body = body(
        CHROME,
        &[
            (&key, b"incoming/7f3a"),
            (&ct, b"image/png"),
            (&field("policy"), b"eyJrZXkiOiJ4In0="),
            (&field("x-signature"), b"ab12"),
            (file_headers, &file),
        ],
        "--\r\n",
    );
    let content_type = format!("multipart/form-data; boundary={CHROME}");
    let form = parse(&content_type, &body).unwrap();
    assert_eq!(form.fields.len(), 4);
    assert_eq!(form.fields["key"], "incoming/7f3a");
    assert_eq!(form.fields["Content-Type"], "image/png");
    assert_eq!(form.fields["policy"], "eyJrZXkiOiJ4In0=");
    assert_eq!(form.file.bytes, file);
    assert_eq!(form.file.file_name.as_deref(), Some("证书 scan.png"));
    assert_eq!(form.file.content_type.as_deref(), Some("image/png"));
}

#[test]
fn a_wx_upload_file_form() {
    // wx.uploadFile: its own boundary style, lower-case headers, a temp-file name, a preamble,
    // no CRLF after the closing boundary; Chinese text in a field; an empty field.
    let boundary = "WxUploadBoundary+aB3dE5gH7jK9";
    let mut raw = b"preamble to ignore\r\n".to_vec();
    raw.extend(body(
        boundary,
        &[
            ("content-disposition: form-data; name=\"key\"", b"incoming/9c1d"),
            ("content-disposition: form-data; name=\"remark\"", "学分 证书".as_bytes()),
            ("content-disposition: form-data; name=\"empty\"", b""),
            (
                "content-disposition: form-data; name=\"file\"; filename=\"wxfile://tmp_8f3a.jpg\"\r\ncontent-type: application/octet-stream",
                b"\xff\xd8\xff\xe0JFIF",
            ),
        ],
        "--",
    ));
    let content_type = format!("Multipart/Form-Data; charset=utf-8; boundary=\"{boundary}\"");
    let form = parse(&content_type, &raw).unwrap();
    assert_eq!(form.fields["remark"], "学分 证书");
    assert_eq!(form.fields["empty"], "");
    assert_eq!(form.file.bytes, b"\xff\xd8\xff\xe0JFIF");
    assert_eq!(
        form.file.file_name.as_deref(),
        Some("wxfile://tmp_8f3a.jpg")
    );
    assert_eq!(
        form.file.content_type.as_deref(),
        Some("application/octet-stream")
    );
}

#[test]
fn quoted_parameters_padding_and_what_follows_the_file() {
    let b = "x";
    let raw = body(
        b,
        &[
            ("Content-Disposition: form-data; name=\"a;b\"", b"1"),
            (
                "Content-Disposition: form-data; filename=\"say \\\"hi\\\" C:\\dir\"; name=file",
                b"",
            ),
            (&field("after"), b"ignored, as S3 ignores it"),
        ],
        "--\r\nepilogue",
    );
    // Transport padding after a boundary.
    let raw = String::from_utf8(raw)
        .unwrap()
        .replacen("--x\r\n", "--x \t\r\n", 1);
    let form = parse("multipart/form-data; boundary=x", raw.as_bytes()).unwrap();
    assert_eq!(form.fields.len(), 1);
    assert_eq!(form.fields["a;b"], "1");
    assert_eq!(form.file.bytes, b"");
    assert_eq!(form.file.file_name.as_deref(), Some("say \"hi\" C:\\dir"));
}

fn ok_body() -> Vec<u8> {
    body("b", &[(&field("k"), b"v"), (&field("file"), b"x")], "--")
}

#[test]
fn other_media_types_and_bad_boundaries_are_refused() {
    let ok = ok_body();
    assert!(parse("multipart/form-data; boundary=b", &ok).is_ok());
    for content_type in ["application/json", "multipart/mixed; boundary=b", ""] {
        let refused = parse(content_type, &ok);
        assert_eq!(refused, Err(FormError::NotMultipart), "{content_type}");
    }
    let long = format!("multipart/form-data; boundary={}", "b".repeat(71));
    for content_type in [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=\"b",
        "multipart/form-data; boundary=a\u{7f}b",
        long.as_str(),
    ] {
        let refused = parse(content_type, &ok);
        assert!(matches!(refused, Err(Malformed(_))), "{content_type}");
    }
}

#[test]
fn bodies_that_are_no_form_are_refused() {
    let ct = "multipart/form-data; boundary=b";
    let ok = ok_body();
    let lf_only = String::from_utf8(ok.clone()).unwrap().replace("\r\n", "\n");
    let one = |headers: &str, content: &[u8]| body("b", &[(headers, content)], "--");
    let (k, file) = (field("k"), field("file"));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("no file", one(&k, b"v")),
        ("cut off", ok[..ok.len() - 6].to_vec()),
        ("LF only", lf_only.into_bytes()),
        ("no boundary", b"hello".to_vec()),
        (
            "twice",
            body("b", &[(&k, b"1"), (&k, b"2"), (&file, b"")], "--"),
        ),
        ("no name", one("Content-Disposition: form-data", b"v")),
        ("no disposition", one("Content-Type: text/plain", b"v")),
        ("no headers", b"--b\r\n\r\nv\r\n--b--".to_vec()),
        (
            "attachment",
            one("Content-Disposition: attachment; name=file", b"v"),
        ),
        (
            "folded",
            one("Content-Disposition: form-data;\r\n name=file", b"v"),
        ),
        ("not UTF-8", body("b", &[(&k, b"\xff"), (&file, b"")], "--")),
        (
            "unterminated quote",
            one("Content-Disposition: form-data; name=\"file", b""),
        ),
    ];
    for (what, raw) in cases {
        assert!(matches!(parse(ct, &raw), Err(Malformed(_))), "{what}");
    }
}

#[test]
fn forms_are_bounded() {
    let ct = "multipart/form-data; boundary=b";
    let big = vec![b'a'; MAX_FORM_BYTES];
    let raw = body("b", &[(&field("file"), &big)], "--");
    assert_eq!(parse(ct, &raw), Err(FormError::TooLarge));
    // Just under the limit: taken whole.
    let file = vec![b'\r'; MAX_FORM_BYTES - 200];
    let raw = body("b", &[(&field("file"), &file)], "--");
    assert_eq!(parse(ct, &raw).unwrap().file.bytes.len(), file.len());

    let names: Vec<String> = (0..=MAX_PARTS).map(|i| field(&format!("f{i}"))).collect();
    let mut parts: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"v"[..])).collect();
    let file_field = field("file");
    parts.push((&file_field, b"x"));
    assert_eq!(
        parse(ct, &body("b", &parts, "--")),
        Err(Malformed("too many parts"))
    );
    parts.drain(..2);
    assert!(
        parse(ct, &body("b", &parts, "--")).is_ok(),
        "{} parts",
        parts.len()
    );

    let long_header = format!(
        "{}\r\nX-Pad: {}",
        field("file"),
        "p".repeat(MAX_HEADER_BYTES)
    );
    assert!(matches!(
        parse(ct, &body("b", &[(&long_header, b"x")], "--")),
        Err(Malformed(_))
    ));
}
