use super::*;
use base64::Engine;

fn embedded(a: &Authorizer) -> &Embedded {
    match &a.issuer {
        Issuer::Embedded(e) => e,
        Issuer::Cognito(_) => unreachable!("the tests' authorizer is embedded"),
    }
}

/// The claims of a good ID token, to be spoilt one at a time.
fn good_claims() -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": DEV_ISSUER,
        "sub": "7d0c6f43-2f5e-4f0e-9b47-3f1d5c2a9e10",
        "aud": DEV_CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        INSTITUTION_CLAIM: "DEMO-SCHOOL",
        ROLE_CLAIM: "REVIEWER",
        "cognito:groups": ["REVIEWER"],
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(name);
    } else {
        claims[name] = value;
    }
    claims
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_bytes(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

async fn refusal(a: &Authorizer, token: &str) -> Refusal {
    match a.verify(token).await {
        Err(VerifyError::Refused(r)) => r,
        other => panic!("expected a refusal of {token:?}, got {other:?}"),
    }
}

#[tokio::test]
async fn issued_tokens_verify_with_the_claims_api_gateway_passes() {
    let a = Authorizer::embedded();
    println!("key generation: {}", a.describe());
    let token = a.issue("DEMO-SCHOOL", Role::Platform).await.unwrap();
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), Some(embedded(&a).kid.as_str()));
    let claims = a.verify(&token).await.unwrap();
    assert_eq!(claims["iss"], DEV_ISSUER);
    assert_eq!(claims["aud"], DEV_CLIENT_ID);
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims[INSTITUTION_CLAIM], "DEMO-SCHOOL");
    assert_eq!(claims[ROLE_CLAIM], "PLATFORM");
    assert_eq!(claims["cognito:groups"], "[PLATFORM]");
    assert_eq!(claims["sub"].len(), 36);
    let (iat, exp): (i64, i64) = (
        claims["iat"].parse().unwrap(),
        claims["exp"].parse().unwrap(),
    );
    assert_eq!(exp - iat, TOKEN_SECONDS);
    let staff = domain::account::staff::Staff::from_claims(|k| claims.get(k).cloned()).unwrap();
    assert_eq!(
        (
            staff.institution.as_str(),
            staff.role,
            staff.subject.as_str()
        ),
        ("DEMO-SCHOOL", Role::Platform, claims["sub"].as_str())
    );
}

#[test]
fn claims_are_flattened_as_api_gateway_flattens_them() {
    let claims = json!({"s": "a b", "n": 17, "b": true, "groups": ["A", "B"], "one": ["A"],
        "none": [], "o": {"k": 1}});
    let flat = flatten(claims.as_object().unwrap());
    assert_eq!(flat["s"], "a b");
    assert_eq!(flat["n"], "17");
    assert_eq!(flat["b"], "true");
    assert_eq!(flat["groups"], "[A B]");
    assert_eq!(flat["one"], "[A]");
    assert_eq!(flat["none"], "[]");
    assert_eq!(flat["o"], r#"{"k":1}"#);
}

#[tokio::test]
async fn tokens_are_refused_unless_every_claim_check_holds() {
    let a = Authorizer::embedded();
    let e = embedded(&a);
    let now = chrono::Utc::now().timestamp();
    assert!(a.verify(&e.sign(&good_claims())).await.is_ok());
    // Within the leeway, still good; past it, expired.
    let late = with(good_claims(), "exp", json!(now - 10));
    assert!(a.verify(&e.sign(&late)).await.is_ok());
    let cases = [
        ("exp", json!(now - 120), Refusal::Expired),
        ("exp", Value::Null, Refusal::Malformed),
        ("nbf", json!(now + 600), Refusal::NotYetValid),
        ("iss", json!("https://evil.example/"), Refusal::Issuer),
        ("iss", Value::Null, Refusal::Malformed),
        ("aud", json!("another-client"), Refusal::Audience),
        ("aud", Value::Null, Refusal::Audience),
        ("token_use", Value::Null, Refusal::TokenUse),
    ];
    for (claim, value, want) in cases {
        let token = e.sign(&with(good_claims(), claim, value.clone()));
        assert_eq!(refusal(&a, &token).await, want, "{claim}: {value}");
    }
    // An access token: `client_id` instead of `aud`, `token_use` access.
    let access = with(good_claims(), "aud", Value::Null);
    let access = with(access, "client_id", json!(DEV_CLIENT_ID));
    let access = with(access, "token_use", json!("access"));
    assert_eq!(refusal(&a, &e.sign(&access)).await, Refusal::TokenUse);
    // The audience in an array, as RFC 7519 allows.
    let listed = with(good_claims(), "aud", json!(["x", DEV_CLIENT_ID]));
    assert!(a.verify(&e.sign(&listed)).await.is_ok());
}

#[tokio::test]
async fn signatures_and_keys_are_checked() {
    let a = Authorizer::embedded();
    let e = embedded(&a);
    let good = e.sign(&good_claims());
    let (head_payload, signature) = good.rsplit_once('.').unwrap();
    // Another payload under this signature; this payload under a changed or cut signature.
    let other = e.sign(&with(good_claims(), ROLE_CLAIM, json!("PLATFORM")));
    let (other_head_payload, _) = other.rsplit_once('.').unwrap();
    let swapped = format!("{other_head_payload}.{signature}");
    assert_eq!(refusal(&a, &swapped).await, Refusal::Signature);
    let mut flipped = b64_bytes(signature);
    flipped[100] ^= 1;
    let flipped = format!("{head_payload}.{}", b64(&flipped));
    assert_eq!(refusal(&a, &flipped).await, Refusal::Signature);
    let truncated = format!("{head_payload}.{}", b64(&b64_bytes(signature)[..200]));
    assert_eq!(refusal(&a, &truncated).await, Refusal::Signature);

    // Another key: under its own kid unknown; under ours a wrong signature; no kid at all.
    let stranger = Embedded::generate();
    let theirs = stranger.sign(&good_claims());
    assert_eq!(refusal(&a, &theirs).await, Refusal::UnknownKey);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(e.kid.clone());
    let forged = jsonwebtoken::encode(&header, &good_claims(), &stranger.key).unwrap();
    assert_eq!(refusal(&a, &forged).await, Refusal::Signature);
    let bare = Header::new(Algorithm::RS256);
    let no_kid = jsonwebtoken::encode(&bare, &good_claims(), &e.key).unwrap();
    assert_eq!(refusal(&a, &no_kid).await, Refusal::UnknownKey);
}

#[tokio::test]
async fn only_rs256_is_taken_and_garbage_is_refused() {
    let a = Authorizer::embedded();
    let e = embedded(&a);
    // HS256 keyed with the public key (the classic confusion), and RS512 of the right key.
    let AlgorithmParameters::RSA(public) = &e.jwks.keys[0].algorithm else {
        panic!("an RSA JWK")
    };
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(e.kid.clone());
    let secret = EncodingKey::from_secret(public.n.as_bytes());
    let confused = jsonwebtoken::encode(&hs, &good_claims(), &secret).unwrap();
    assert_eq!(refusal(&a, &confused).await, Refusal::Algorithm);
    let mut rs512 = Header::new(Algorithm::RS512);
    rs512.kid = Some(e.kid.clone());
    let rs512 = jsonwebtoken::encode(&rs512, &good_claims(), &e.key).unwrap();
    assert_eq!(refusal(&a, &rs512).await, Refusal::Algorithm);

    // alg none, signed or not: not even an algorithm to the parser.
    let good = e.sign(&good_claims());
    let (head_payload, signature) = good.rsplit_once('.').unwrap();
    let none_header = b64(format!(r#"{{"alg":"none","kid":"{}"}}"#, e.kid).as_bytes());
    let payload = b64(good_claims().to_string().as_bytes());
    for token in [
        format!("{none_header}.{payload}."),
        format!("{none_header}.{payload}.{signature}"),
    ] {
        assert_eq!(refusal(&a, &token).await, Refusal::Malformed);
    }
    let huge = format!("{head_payload}.{}", "A".repeat(MAX_TOKEN_BYTES));
    for garbage in ["", "garbage", "a.b.c", "..", &huge] {
        let why = refusal(&a, garbage).await;
        assert_eq!(why, Refusal::Malformed, "{garbage:.20}");
    }
}

#[test]
fn the_pkcs1_key_is_found_inside_pkcs8_and_nothing_else_is_taken_for_it() {
    // SEQUENCE { INTEGER 0, SEQUENCE { }, OCTET STRING "key" }
    let pkcs8 = [
        0x30, 0x0a, 0x02, 0x01, 0x00, 0x30, 0x00, 0x04, 0x03, b'k', b'e', b'y',
    ];
    assert_eq!(rsa_private_key_of(&pkcs8), Some(&b"key"[..]));
    assert_eq!(rsa_private_key_of(&pkcs8[..11]), None, "truncated");
    assert_eq!(
        rsa_private_key_of(&[0x04, 0x01, 0x00]),
        None,
        "not a sequence"
    );
    assert_eq!(
        rsa_private_key_of(&[0x30, 0x85, 1, 1, 1, 1, 1]),
        None,
        "length too long"
    );
    assert_eq!(rsa_private_key_of(&[]), None);
}

#[test]
fn the_staff_prefixes_are_guarded_and_nothing_else() {
    for path in [
        "/institution/achievement-registrations",
        "/institution/",
        "/institution",
        "/platform/x/y",
    ] {
        assert!(is_guarded(path), "{path}");
    }
    for path in [
        "/",
        "/me",
        "/institutions/x",
        "/_dev/institution-token",
        "/x/institution/",
    ] {
        assert!(!is_guarded(path), "{path}");
    }
}

fn request(path: &str, headers: &[(&str, &str)]) -> Request {
    let mut map = lambda_http::http::HeaderMap::new();
    for (k, v) in headers {
        map.append(
            lambda_http::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    crate::lambda_request(crate::HttpRequest {
        method: lambda_http::http::Method::GET,
        uri: path.parse().unwrap(),
        headers: map,
        body: Vec::new(),
        source_ip: "203.0.113.9".into(),
    })
    .unwrap()
}

/// `req` carrying an authorizer context with `claims`, as a forged event might.
fn forged(req: Request, claims: &[(&str, &str)]) -> Request {
    let Some(RequestContext::ApiGatewayV2(mut ctx)) = req.request_context_ref().cloned() else {
        panic!("an HTTP API request")
    };
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = claims
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    ctx.authorizer = Some(authorizer);
    req.with_request_context(RequestContext::ApiGatewayV2(ctx))
}

const FORGED: &[(&str, &str)] = &[
    ("token_use", "id"),
    ("sub", "forged"),
    (INSTITUTION_CLAIM, "OTHER-SCHOOL"),
    (ROLE_CLAIM, "PLATFORM"),
];

#[tokio::test]
async fn authorize_puts_verified_claims_where_api_gateway_does_and_only_those() {
    let a = Authorizer::embedded();
    let path = "/institution/achievement-registrations";
    let token = a.issue("DEMO-SCHOOL", Role::Reviewer).await.unwrap();
    let bearer = format!("Bearer {token}");
    let req = a
        .authorize(forged(request(path, &[("authorization", &bearer)]), FORGED))
        .await
        .unwrap();
    let staff = http_edge::request::staff(&req).unwrap();
    assert_eq!(
        (staff.institution.as_str(), staff.role),
        ("DEMO-SCHOOL", Role::Reviewer)
    );
    assert_ne!(staff.subject, "forged");

    let lower = format!("bearer {token}");
    assert!(a
        .authorize(request(path, &[("authorization", &lower)]))
        .await
        .is_ok());
    for headers in [
        vec![],
        vec![("authorization", "Bearer")],
        vec![("authorization", "Basic dXNlcjpwYXNz")],
        vec![(
            "authorization",
            "Bearer sample-token-b1Qk3v7HnXo2c9Lr4Wm8Tz5Pa0Ye6Ud",
        )],
        vec![("x-amzn-oidc-data", token.as_str())],
    ] {
        let refused = a.authorize(forged(request(path, &headers), FORGED)).await;
        let e = refused.expect_err("refused");
        assert_eq!(
            (e.status().as_u16(), e.code()),
            (401, "UNAUTHENTICATED"),
            "{headers:?}"
        );
    }
    // Elsewhere nothing is looked at or changed.
    let me = a
        .authorize(forged(request("/me", &[]), FORGED))
        .await
        .unwrap();
    assert_eq!(http_edge::request::staff(&me).unwrap().subject, "forged");
}

/// Serves `body` as JSON to every GET on a local port, counting them; the JWKS URL.
async fn serve_jwks(body: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/us-east-1_pool/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut request = vec![0; 4096];
            let _ = conn.read(&mut request).await;
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let answer = format!("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{body}");
            let _ = conn.write_all(answer.as_bytes()).await;
        }
    });
    (url, served)
}

#[tokio::test]
async fn a_fetched_jwks_is_kept_and_an_unreachable_one_is_503_not_401() {
    let issuer = Authorizer::embedded();
    let e = embedded(&issuer);
    let (url, served) = serve_jwks(serde_json::to_string(&e.jwks).unwrap()).await;
    let fetched = Verifier::new(
        DEV_ISSUER,
        DEV_CLIENT_ID,
        Keys::Fetched(FetchedKeys::new(url)),
    );
    let token = e.sign(&good_claims());
    for _ in 0..3 {
        assert!(fetched.verify(&token).await.is_ok());
    }
    let stranger = Embedded::generate().sign(&good_claims());
    assert!(matches!(
        fetched.verify(&stranger).await,
        Err(VerifyError::Refused(Refusal::UnknownKey))
    ));
    let times = served.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        times, 1,
        "fetched once, kept, not fetched again within {REFETCH_AFTER:?}"
    );

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/x/.well-known/jwks.json",
        closed.local_addr().unwrap()
    );
    drop(closed);
    let unreachable = Authorizer {
        issuer: Issuer::Embedded(Embedded::generate()),
        verifier: Verifier::new(
            DEV_ISSUER,
            DEV_CLIENT_ID,
            Keys::Fetched(FetchedKeys::new(url)),
        ),
    };
    let bearer = format!("Bearer {token}");
    let req = request("/platform/x", &[("authorization", &bearer)]);
    let e = unreachable
        .authorize(req)
        .await
        .expect_err("no keys, no entry");
    assert_eq!(
        (e.status().as_u16(), e.code()),
        (503, "SERVICE_UNAVAILABLE")
    );
}
