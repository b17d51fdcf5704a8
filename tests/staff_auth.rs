//! School staff behind the JWT authorizer the dev server plays: the tokens of
//! `POST /_dev/institution-token` (the embedded issuer on the memory backend, moto's Cognito on
//! the DynamoDB one), what the authorizer makes of a staff route's request, and the embedded
//! file store's doors (`/_dev/files`). No `/institution/*` route exists yet: the authorizer is
//! tested alone, and through the dispatch up to the routing (404).

use domain::account::staff::{Role, Staff};
use domain::ports::files::UploadSpec;
use integration_tests::*;
use serde_json::json;
use std::collections::BTreeMap;

const STAFF_PATH: &str = "/institution/achievement-registrations";

app_test!(issued_tokens_carry_the_claims_staff_are_read_from, |app| {
    let mut subjects = Vec::new();
    for (institution, role, want) in [
        ("DEMO-SCHOOL", "REVIEWER", Role::Reviewer),
        ("10001.a_b", "PLATFORM", Role::Platform),
    ] {
        let token = app.staff_token(institution, role).await;
        let claims = app
            .dev
            .authorizer
            .verify(&token)
            .await
            .expect("the issuer's own token verifies");
        let staff = Staff::from_claims(|name| claims.get(name).cloned()).unwrap();
        assert_eq!(
            (staff.institution.as_str(), staff.role),
            (institution, want)
        );
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["cognito:groups"], format!("[{role}]"));
        let issuer = match app.backend {
            Backend::Memory => devserver::authorizer::DEV_ISSUER,
            Backend::Dynamo => "https://cognito-idp.",
        };
        assert!(claims["iss"].starts_with(issuer), "{}", claims["iss"]);
        let (iat, exp): (i64, i64) = (
            claims["iat"].parse().unwrap(),
            claims["exp"].parse().unwrap(),
        );
        assert_eq!(exp - iat, 3600, "an hour, as Cognito's");
        subjects.push(staff.subject);
    }
    assert_ne!(subjects[0], subjects[1], "one staff member per token");
});

app_test!(bad_token_requests_are_refused_naming_the_field, |app| {
    let long = "x".repeat(200);
    let cases = [
        (json!({"role": "REVIEWER"}), "institution"),
        (
            json!({"institution": "", "role": "REVIEWER"}),
            "institution",
        ),
        (
            json!({"institution": "A B", "role": "REVIEWER"}),
            "institution",
        ),
        (
            json!({"institution": long, "role": "REVIEWER"}),
            "institution",
        ),
        (
            json!({"institution": 17, "role": "REVIEWER"}),
            "institution",
        ),
        (json!({"institution": "DEMO-SCHOOL"}), "role"),
        (
            json!({"institution": "DEMO-SCHOOL", "role": "ADMIN"}),
            "role",
        ),
        (
            json!({"institution": "DEMO-SCHOOL", "role": "reviewer"}),
            "role",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .post("/_dev/institution-token", body.clone(), None)
            .await;
        assert_eq!(
            (r.status, r.code(), &r.body["error"]["field"]),
            (400, "VALIDATION_FAILED", &json!(field)),
            "{body}"
        );
    }
    let path = "/_dev/institution-token";
    let r = app
        .send(app.req("POST", path).raw(Some("text/plain"), "x"))
        .await;
    assert_eq!((r.status, r.code()), (415, "UNSUPPORTED_MEDIA_TYPE"));
    let r = app
        .send(app.req("POST", path).raw(Some("application/json"), "{"))
        .await;
    assert_eq!((r.status, r.code()), (400, "INVALID_JSON"));
});

/// `token` with one character of its signature changed.
fn tampered(token: &str) -> String {
    let mut bytes = token.as_bytes().to_vec();
    let i = bytes.len() - 10;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

app_test!(staff_routes_take_only_verified_staff_tokens, |app| {
    let token = app.staff_token("DEMO-SCHOOL", "REVIEWER").await;
    let req = app.req("GET", STAFF_PATH).bearer(&token).into_request();
    let req = app.dev.authorizer.authorize(req).await.expect("admitted");
    let staff = http_edge::staff(&req).expect("the claims where API Gateway puts them");
    assert_eq!(
        (staff.institution.as_str(), staff.role),
        ("DEMO-SCHOOL", Role::Reviewer)
    );

    let learner = app.token(DEMO_ID, DEMO_PASSWORD).await;
    let stranger = devserver::authorizer::Authorizer::embedded()
        .issue("DEMO-SCHOOL", Role::Reviewer)
        .await
        .unwrap();
    for (what, bearer) in [
        ("none", None),
        ("a learner's session", Some(learner.as_str())),
        ("tampered", Some(tampered(&token).as_str())),
        ("another issuer's", Some(stranger.as_str())),
        ("garbage", Some("x.y.z")),
    ] {
        let mut r = app.req("POST", STAFF_PATH).json(&json!({}));
        if let Some(b) = bearer {
            r = r.bearer(b);
        }
        let refused = app.dev.authorizer.authorize(r.into_request()).await;
        let e = refused.expect_err(what);
        assert_eq!(
            (e.status().as_u16(), e.code()),
            (401, "UNAUTHENTICATED"),
            "{what}"
        );
        // Through the dispatch: refused before any routing.
        let mut r = app.req("POST", STAFF_PATH).json(&json!({}));
        if let Some(b) = bearer {
            r = r.bearer(b);
        }
        let r = app.send(r).await;
        assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"), "{what}");
    }
    // Admitted, the request reaches the routing: no staff route in this branch yet.
    let r = app
        .send(app.req("GET", "/platform/anything").bearer(&token))
        .await;
    assert_eq!((r.status, r.code()), (404, "NOT_FOUND"));
    // The learners' routes are untouched: a staff token is no session there.
    let r = app.get("/me", Some(&token)).await;
    assert_eq!((r.status, r.code()), (401, "UNAUTHENTICATED"));
    let r = app.get("/me", Some(&learner)).await;
    assert_eq!((r.status, r.code()), (403, "PROFILE_INCOMPLETE"));
});

fn pdf_spec() -> UploadSpec {
    UploadSpec {
        key: "incoming/staff-auth-1".into(),
        content_type: "application/pdf".into(),
        min_bytes: 1,
        max_bytes: 1024,
        expires_in: 600,
    }
}

const PDF: &[u8] = b"%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n--not a boundary\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_file_store_takes_what_its_forms_allow() {
    let app = TestApp::spawn(Backend::Memory).await.unwrap();
    assert!(app.dev.files.is_some(), "the embedded store");
    let (spec, files) = (pdf_spec(), app.app().files.clone());
    let form = files.upload_form(&spec).await.unwrap();
    assert_eq!(form.url, "/_dev/files");
    let post = |fields: BTreeMap<String, String>, bytes: Vec<u8>| {
        let (app, url) = (&app, form.url.clone());
        async move {
            app.upload_form_post(&url, &fields, "证书.pdf", "application/pdf", &bytes)
                .await
        }
    };
    let mut html = form.fields.clone();
    html.insert("Content-Type".into(), "text/html".into());
    let mut forged = form.fields.clone();
    forged.insert("x-signature".into(), "0".repeat(64));
    assert_eq!(post(html, PDF.to_vec()).await, 403);
    assert_eq!(post(forged, PDF.to_vec()).await, 403);
    assert_eq!(post(form.fields.clone(), vec![b'%'; 1025]).await, 403);
    assert!(files.inspect(&spec.key, 4).await.unwrap().is_none());
    assert_eq!(post(form.fields.clone(), PDF.to_vec()).await, 204);
    let stored = files.inspect(&spec.key, 4).await.unwrap().unwrap();
    assert_eq!(
        (stored.size, stored.head.as_slice()),
        (PDF.len() as u64, &b"%PDF"[..])
    );

    // The refusal says why; what is no form is told apart.
    let (form_type, body) = multipart_form(&form.fields, "a.pdf", "application/pdf", &[]);
    let r = app
        .send(app.req("POST", "/_dev/files").raw(Some(&form_type), body))
        .await;
    let reason = &r.body["error"]["reason"];
    assert_eq!(
        (r.status, r.code(), reason),
        (403, "FORM_REFUSED", &json!("SIZE_OUT_OF_RANGE"))
    );
    let r = app
        .send(app.req("POST", "/_dev/files").raw(Some(&form_type), "--x"))
        .await;
    assert_eq!((r.status, r.code()), (400, "FORM_MALFORMED"));
    let r = app
        .post("/_dev/files", json!({"key": spec.key}), None)
        .await;
    assert_eq!((r.status, r.code()), (415, "UNSUPPORTED_MEDIA_TYPE"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedded_file_store_serves_signed_reads_as_attachments() {
    let app = TestApp::spawn(Backend::Memory).await.unwrap();
    let spec = pdf_spec();
    let form = app.app().files.upload_form(&spec).await.unwrap();
    let status = app
        .upload_form_post(&form.url, &form.fields, "a.pdf", "application/pdf", PDF)
        .await;
    assert_eq!(status, 204);
    let url = app
        .app()
        .files
        .download_url(&spec.key, "证书.pdf", 60)
        .await
        .unwrap();
    let (path, query) = url.split_once('?').unwrap();
    let r = app.send(app.req("GET", path).query(query)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.raw, PDF);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert_eq!(r.headers["content-disposition"], "attachment");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    for spoilt in [
        query.replace("signature=", "signature=0"),
        query.replace("expires=", "expires=1"),
        query.replace("staff-auth-1", "staff-auth-2"),
        String::new(),
    ] {
        let r = app.send(app.req("GET", path).query(&spoilt)).await;
        assert_eq!((r.status, r.code()), (403, "READ_REFUSED"), "{spoilt}");
    }
}

/// An HTTP server on a local port answering one request with `status`: its URL and the request
/// it received (head and body).
async fn one_answer(status: u16) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/a-bucket", listener.local_addr().unwrap());
    let served = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut chunk = [0u8; 4096];
        while !complete(&request) {
            let n = conn.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the request ended early");
            request.extend_from_slice(&chunk[..n]);
        }
        let answer = format!("HTTP/1.1 {status} No Content\r\nConnection: close\r\n\r\n");
        conn.write_all(answer.as_bytes()).await.unwrap();
        request
    });
    (url, served)
}

/// Whether `request` holds its head and the whole body its `Content-Length` announces.
fn complete(request: &[u8]) -> bool {
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse::<usize>().unwrap());
    request.len() >= end + 4 + length
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_for_an_absolute_url_is_posted_over_http() {
    let app = TestApp::spawn(Backend::Memory).await.unwrap();
    let (url, served) = one_answer(204).await;
    let fields: BTreeMap<String, String> = [("key", "incoming/x"), ("policy", "p")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    let status = app
        .upload_form_post(&url, &fields, "证书.pdf", "application/pdf", PDF)
        .await;
    assert_eq!(status, 204);
    let request = served.await.unwrap();
    let end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&request[..end]).into_owned();
    assert!(head.starts_with("POST /a-bucket HTTP/1.1\r\n"), "{head}");
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap();
    let form = devserver::multipart::parse(content_type, &request[end + 4..]).unwrap();
    assert_eq!(form.fields, fields.into_iter().collect());
    assert_eq!(form.file.bytes, PDF);
    assert_eq!(form.file.file_name.as_deref(), Some("证书.pdf"));
}
