//! Every error the code can answer with is documented, under its own status.

#![allow(unused_imports)]
use super::*;

/// One of every `DomainError` and `ApiError` variant. The match below has no wildcard: a new variant does not
/// compile until it is added here (and so checked against openapi.yaml).
fn every_error() -> Vec<ApiError> {
    let domain = vec![
        DomainError::validation("mobile", Problem::Invalid),
        DomainError::CaptchaInvalid,
        DomainError::CredentialsInvalid,
        DomainError::AccountLocked { retry_after: 900 },
        DomainError::Unauthenticated,
        DomainError::ProfileIncomplete,
        DomainError::ActivationExpired,
        DomainError::SmsCooldown { retry_after: 42 },
        DomainError::SmsLimitExceeded { retry_after: 3600 },
        DomainError::SmsCodeInvalid,
        DomainError::IdExpired,
        DomainError::IdValidityInvalid,
        DomainError::PasswordWeak(WeakReason::Common),
        DomainError::MobileTaken,
        DomainError::RateLimited { retry_after: 30 },
        DomainError::DailyLimit {
            what: domain::error::Daily::Tickets,
            retry_after: 3600,
        },
        DomainError::DailyLimit {
            what: domain::error::Daily::Uploads,
            retry_after: 60,
        },
        DomainError::Forbidden,
        DomainError::NotFound,
        DomainError::StateConflict,
        DomainError::Duplicate(Subject::Registration),
        DomainError::Duplicate(Subject::Conversion),
        DomainError::TooManyOpen(Subject::Registration),
        DomainError::TooManyOpen(Subject::Conversion),
        DomainError::TooManyRules,
        DomainError::TooManyMessages,
        DomainError::UploadInvalid {
            field: "attachments",
            index: 2,
        },
        DomainError::UploadInvalid {
            field: "evidence",
            index: 0,
        },
        DomainError::unavailable("busy"),
        DomainError::internal("boom"),
    ];
    for e in &domain {
        match e {
            DomainError::Validation { .. }
            | DomainError::CaptchaInvalid
            | DomainError::CredentialsInvalid
            | DomainError::AccountLocked { .. }
            | DomainError::Unauthenticated
            | DomainError::ProfileIncomplete
            | DomainError::ActivationExpired
            | DomainError::SmsCooldown { .. }
            | DomainError::SmsLimitExceeded { .. }
            | DomainError::SmsCodeInvalid
            | DomainError::IdExpired
            | DomainError::IdValidityInvalid
            | DomainError::PasswordWeak(_)
            | DomainError::MobileTaken
            | DomainError::RateLimited { .. }
            | DomainError::DailyLimit { .. }
            | DomainError::Forbidden
            | DomainError::NotFound
            | DomainError::StateConflict
            | DomainError::Duplicate(_)
            | DomainError::TooManyOpen(_)
            | DomainError::TooManyRules
            | DomainError::TooManyMessages
            | DomainError::UploadInvalid { .. }
            | DomainError::Unavailable(_)
            | DomainError::Internal(_) => {}
        }
    }
    let mut all = vec![
        ApiError::InvalidJson,
        ApiError::UnsupportedMediaType,
        ApiError::PayloadTooLarge,
        ApiError::NotFound,
        ApiError::MethodNotAllowed {
            allow: "GET".into(),
        },
    ];
    for e in &all {
        match e {
            ApiError::InvalidJson
            | ApiError::UnsupportedMediaType
            | ApiError::PayloadTooLarge
            | ApiError::NotFound
            | ApiError::MethodNotAllowed { .. }
            | ApiError::Domain(_) => {}
        }
    }
    all.extend(domain.into_iter().map(ApiError::Domain));
    all
}

fn every_weak_reason() -> Vec<WeakReason> {
    use WeakReason::*;
    let all = vec![
        TooShort,
        TooLong,
        InitialPassword,
        ContainsIdNumber,
        ContainsMobile,
        Common,
    ];
    for r in &all {
        match r {
            TooShort | TooLong | InitialPassword | ContainsIdNumber | ContainsMobile | Common => {}
        }
    }
    all
}

#[test]
fn every_error_code_is_documented_with_its_status() {
    let spec = Spec::load();
    let documented = spec.documented_codes();
    let mut problems = Vec::new();
    let errors = every_error();
    let mut retrying = BTreeSet::new();
    for e in &errors {
        let code = e.code();
        let status = e.status().as_u16();
        match documented.get(code) {
            Some(s) if *s == status => {}
            Some(s) => problems.push(format!(
                "{code}: the code answers {status}, openapi.yaml's ErrorCode says {s}"
            )),
            None => problems.push(format!(
                "{code} ({status}) is missing from openapi.yaml's ErrorCode"
            )),
        }
        if e.retry_after().is_some() {
            retrying.insert(code.to_string());
        }
    }
    let known: BTreeSet<&str> = errors.iter().map(ApiError::code).collect();
    for code in documented.keys() {
        if !known.contains(code.as_str()) {
            problems.push(format!(
                "openapi.yaml documents {code}, which no error of the code answers"
            ));
        }
    }

    // Per route: each code under its own status; Retry-After where retryAfter comes.
    let mut used = BTreeSet::new();
    for (route, op) in spec.operations() {
        for (status, resp) in op["responses"].as_object().into_iter().flatten() {
            let resp_r = spec.resolve(resp);
            let is_error = status.starts_with('4') || status.starts_with('5');
            let codes = spec
                .json_content(resp)
                .map(|media| spec.error_codes(&media["schema"]))
                .unwrap_or_default();
            if is_error && codes.is_empty() {
                problems.push(format!(
                    "{} {status}: an error response's JSON schema must list its codes (allOf Error + code enum)",
                    show(&route)
                ));
            }
            for code in &codes {
                used.insert(code.clone());
                match documented.get(code) {
                    Some(s) if s.to_string() == *status => {}
                    Some(s) => problems.push(format!(
                        "{} {status}: lists {code}, which comes with {s}",
                        show(&route)
                    )),
                    None => {
                        problems.push(format!("{} {status}: unknown code {code}", show(&route)))
                    }
                }
                if retrying.contains(code) && resp_r["headers"].get("Retry-After").is_none() {
                    problems.push(format!(
                        "{} {status}: {code} carries Retry-After; the response must declare the header",
                        show(&route)
                    ));
                }
            }
        }
    }
    // Codes the deployed API can answer with are listed on some route.
    for e in &errors {
        let code = e.code();
        let gateway_answers = matches!(e, ApiError::NotFound | ApiError::MethodNotAllowed { .. });
        if !gateway_answers && !used.contains(code) {
            problems.push(format!("{code} is listed under no route's responses"));
        }
    }

    let reasons: BTreeSet<String> = spec.doc["components"]["schemas"]["WeakPasswordReason"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let code_reasons: BTreeSet<String> = every_weak_reason()
        .iter()
        .map(|r| r.code().to_string())
        .collect();
    if reasons != code_reasons {
        problems.push(format!(
            "WeakPasswordReason: openapi.yaml {reasons:?}, domain::error {code_reasons:?}"
        ));
    }
    assert_no_problems("error codes: domain::error vs openapi.yaml", &problems);
}

/// Each error's body, as the functions send it, fits the documented answer of some route that
/// lists its code: `UPLOAD_INVALID` names an item of that route's list (`evidence[i]` of a
/// registration, `attachments[i]` of a feedback ticket), a throttled answer has its
/// `retryAfter`.
#[test]
fn every_error_body_fits_a_route_that_lists_its_code() {
    let spec = Spec::load();
    let mut problems = Vec::new();
    for e in every_error() {
        let resp = http_edge::error_response(&e, domain::Lang::Zh);
        let body: Value = match resp.body() {
            http_edge::Body::Text(text) => serde_json::from_str(text).unwrap(),
            other => panic!("{}: a body that is not JSON text: {other:?}", e.code()),
        };
        let status = e.status().as_u16().to_string();
        let (mut listed, mut fits) = (0, 0);
        for (_, op) in spec.operations() {
            let Some(media) = op["responses"]
                .get(&status)
                .and_then(|r| spec.json_content(r))
            else {
                continue;
            };
            if !spec.error_codes(&media["schema"]).contains(e.code()) {
                continue;
            }
            listed += 1;
            fits += usize::from(spec.check(&media["schema"], &body).is_empty());
        }
        if listed > 0 && fits == 0 {
            problems.push(format!(
                "{}: {body} fits none of the {listed} documented {status} answers that list it",
                e.code()
            ));
        }
    }
    assert_no_problems("error bodies vs openapi.yaml", &problems);
}
