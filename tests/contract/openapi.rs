//! openapi.yaml: its examples, and the sample requests, fit its schemas.

#![allow(unused_imports)]
use super::*;

#[test]
fn openapi_examples_validate_against_their_schemas() {
    let spec = Spec::load();
    let mut problems = Vec::new();
    let mut checked = 0;
    let check_media = |place: String, media: &Value, problems: &mut Vec<String>| {
        let examples = spec.examples(media);
        for (name, example) in &examples {
            for p in spec.check(&media["schema"], example) {
                problems.push(format!("{place} {name}: {p}"));
            }
        }
        examples.len()
    };
    for (route, op) in spec.operations() {
        let r = show(&route);
        if let Some(media) = op.get("requestBody").and_then(|b| spec.json_content(b)) {
            checked += check_media(format!("{r} request"), media, &mut problems);
        }
        for (status, resp) in op["responses"].as_object().into_iter().flatten() {
            if let Some(media) = spec.json_content(resp) {
                checked += check_media(format!("{r} {status}"), media, &mut problems);
            }
        }
        for param in spec.parameters(&route) {
            if let Some(example) = param.get("example") {
                checked += 1;
                for p in spec.check(&param["schema"], example) {
                    problems.push(format!("{r} parameter {}: {p}", param["name"]));
                }
            }
        }
    }
    for (name, schema) in spec.doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
    {
        for (i, example) in schema["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            checked += 1;
            for p in spec.check(schema, example) {
                problems.push(format!("components.schemas.{name}.examples[{i}]: {p}"));
            }
        }
    }
    assert_no_problems("openapi.yaml examples", &problems);
    assert!(
        checked >= 20,
        "only {checked} examples found in openapi.yaml"
    );
}

#[test]
fn request_examples_are_sample_event_bodies() {
    let spec = Spec::load();
    let events = api_events();
    let mut problems = Vec::new();
    for (route, op) in spec.operations() {
        let Some(media) = op.get("requestBody").and_then(|b| spec.json_content(b)) else {
            continue;
        };
        let bodies: Vec<&Value> = events
            .iter()
            .filter(|e| e.route == route)
            .filter_map(|e| e.body.as_ref())
            .collect();
        for (name, example) in spec.examples(media) {
            if !bodies.contains(&example) {
                problems.push(format!(
                    "{} request {name} is not the body of any events/ sample of the route",
                    show(&route)
                ));
            }
        }
    }
    assert_no_problems("openapi.yaml request examples", &problems);
}

#[test]
fn successful_sample_events_fit_their_request_description() {
    let spec = Spec::load();
    let ops = spec.operations();
    let mut problems = Vec::new();
    for e in api_events().iter().filter(|e| e.succeeds()) {
        let Some(op) = ops.get(&e.route) else {
            continue; // reported by the route test
        };
        let f = &e.file;
        match (op.get("requestBody"), &e.body) {
            (Some(rb), Some(body)) => match spec.json_content(rb) {
                Some(media) => {
                    for p in spec.check(&media["schema"], body) {
                        problems.push(format!("events/{f}: body: {p}"));
                    }
                    let ct = e.headers.get("content-type").and_then(Value::as_str);
                    if !ct.is_some_and(|c| c.starts_with("application/json")) {
                        problems.push(format!(
                            "events/{f}: content-type application/json expected"
                        ));
                    }
                }
                None => problems.push(format!("events/{f}: the route takes no JSON body")),
            },
            (Some(rb), None) if spec.resolve(rb)["required"] == true => {
                problems.push(format!("events/{f}: the route requires a body"))
            }
            (None, Some(_)) => problems.push(format!(
                "events/{f}: a body, but openapi.yaml gives {} none",
                show(&e.route)
            )),
            _ => {}
        }
        let all_params = spec.parameters(&e.route);
        let params: BTreeMap<&str, &Value> = all_params
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| (p["name"].as_str().unwrap_or(""), &p["schema"]))
            .collect();
        // The path's parameters (what `{id}` stands for) fit their schemas.
        for p in all_params.iter().filter(|p| p["in"] == "path") {
            let name = p["name"].as_str().unwrap_or_default();
            match e.path_params.get(name) {
                Some(value) => {
                    for problem in spec.check(&p["schema"], value) {
                        problems.push(format!("events/{f}: path parameter {name}: {problem}"));
                    }
                }
                None => problems.push(format!("events/{f}: no path parameter {name}")),
            }
        }
        for (name, value) in &e.query {
            let Some(schema) = params.get(name.as_str()) else {
                problems.push(format!(
                    "events/{f}: query parameter {name} is not documented"
                ));
                continue;
            };
            let raw = value.as_str().unwrap_or_default();
            // Query values are strings on the wire: a number is also tried as a number.
            let mut found = spec.check(schema, &json!(raw));
            if !found.is_empty() {
                if let Some(n) = serde_json::from_str::<Value>(raw)
                    .ok()
                    .filter(Value::is_number)
                {
                    let as_number = spec.check(schema, &n);
                    if as_number.is_empty() {
                        found = as_number;
                    }
                }
            }
            for p in found {
                problems.push(format!("events/{f}: query parameter {name}: {p}"));
            }
        }
        let secured = op
            .get("security")
            .unwrap_or(&spec.doc["security"])
            .as_array()
            .is_some_and(|s| !s.is_empty());
        let bearer = e
            .headers
            .get("authorization")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with("Bearer "));
        if secured && !bearer {
            problems.push(format!(
                "events/{f}: {} needs a Bearer token, and the sample has none",
                show(&e.route)
            ));
        }
    }
    assert_no_problems("sample events vs openapi.yaml requests", &problems);
}

#[test]
fn import_events_fit_the_import_schema() {
    let spec = Spec::load();
    let schema = json!({ "$ref": "#/components/schemas/ImportEvent" });
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in event_files().into_iter().filter(|f| is_import_event(f)) {
        let text = std::fs::read_to_string(events_dir().join(&file)).unwrap();
        let event: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("events/{file} is not JSON: {e}"));
        assert!(
            text.len() < 6 * 1024 * 1024,
            "events/{file}: over Lambda's 6 MB payload limit"
        );
        if FAILURE_WORDS.iter().any(|w| file.contains(w)) {
            // Bad records on purpose: only the envelope must hold.
            let envelope = json!({
                "type": "object",
                "required": ["institution"],
                "properties": {
                    "institution": { "$ref": "#/components/schemas/ImportEvent/properties/institution" },
                    "learners": { "type": "array" },
                    "achievements": { "type": "array" }
                }
            });
            problems.extend(
                spec.check(&envelope, &event)
                    .into_iter()
                    .map(|p| format!("events/{file}: {p}")),
            );
        } else {
            problems.extend(
                spec.check(&schema, &event)
                    .into_iter()
                    .map(|p| format!("events/{file}: {p}")),
            );
        }
        checked += 1;
    }
    assert_no_problems("import events vs openapi.yaml ImportEvent", &problems);
    assert!(checked > 0, "no events/import*.json sample");
}

/// The registration schemas say what the domain's types and limits are: the statuses, the
/// history's actions, the evidence types, the lengths and counts.
#[test]
fn registration_schemas_hold_the_domain_limits() {
    use domain::registrations::command::{
        MAX_CERTIFICATE_NO, MAX_EVIDENCE, MAX_POINTS, MAX_REASON, MIN_REASON,
    };
    use domain::registrations::{Action, Status};
    use domain::uploads::{MAX_BYTES, MAX_FILE_NAME, TYPES};
    use domain::values::input::max;
    let spec = Spec::load();
    let schemas = &spec.doc["components"]["schemas"];
    let statuses: Vec<Value> = Status::ALL.iter().map(|s| json!(s.as_str())).collect();
    assert_eq!(schemas["RegistrationStatus"]["enum"], json!(statuses));
    let mut filter = vec![json!("")];
    filter.extend(statuses);
    assert_eq!(
        spec.doc["components"]["parameters"]["RegistrationStatusFilter"]["schema"]["enum"],
        json!(filter)
    );
    let actions = [
        Action::Submitted,
        Action::Resubmitted,
        Action::Withdrawn,
        Action::Approved,
        Action::Rejected,
        Action::Returned,
    ];
    for a in &actions {
        // No wildcard: a new action does not compile until it is listed above.
        match a {
            Action::Submitted
            | Action::Resubmitted
            | Action::Withdrawn
            | Action::Approved
            | Action::Rejected
            | Action::Returned => {}
        }
    }
    let actions: Vec<Value> = actions.iter().map(|a| json!(a)).collect();
    assert_eq!(
        schemas["RegistrationStep"]["properties"]["action"]["enum"],
        json!(actions)
    );
    let types: Vec<Value> = TYPES.iter().map(|(t, _)| json!(t)).collect();
    assert_eq!(schemas["EvidenceType"]["enum"], json!(types));
    let upload = &schemas["UploadRequest"]["properties"];
    assert_eq!(upload["size"]["maximum"], json!(MAX_BYTES));
    assert_eq!(upload["fileName"]["maxLength"], json!(MAX_FILE_NAME));
    let reg = &schemas["RegistrationRequest"]["properties"];
    assert_eq!(reg["evidence"]["maxItems"], json!(MAX_EVIDENCE));
    assert_eq!(reg["certificateNo"]["maxLength"], json!(MAX_CERTIFICATE_NO));
    assert_eq!(reg["name"]["maxLength"], json!(max::ACHIEVEMENT_NAME));
    assert_eq!(reg["issuer"]["maxLength"], json!(max::ISSUER));
    assert!(schemas["InstitutionCode"]["pattern"]
        .as_str()
        .unwrap()
        .contains(&format!("{{1,{}}}", max::INSTITUTION_CODE)));
    let decision = &schemas["DecisionRequest"]["properties"];
    assert_eq!(decision["reason"]["minLength"], json!(MIN_REASON));
    assert_eq!(decision["reason"]["maxLength"], json!(MAX_REASON));
    assert_eq!(decision["points"]["maximum"], json!(MAX_POINTS));
    for (name, regs) in [
        ("RegistrationSummary", "Evidence"),
        ("Registration", "EvidenceWithUrl"),
        ("SchoolRegistration", "EvidenceWithUrl"),
    ] {
        let evidence = &schemas[name]["properties"]["evidence"];
        assert_eq!(evidence["maxItems"], json!(MAX_EVIDENCE), "{name}");
        assert_eq!(
            evidence["items"]["$ref"],
            json!(format!("#/components/schemas/{regs}")),
            "{name}"
        );
    }
}

/// The conversion schemas say what the domain's types and limits are: the statuses of rules and
/// applications, the levels, the modes, the history's actions, the lengths and credits, the
/// public page's size.
#[test]
fn conversion_schemas_hold_the_domain_limits() {
    use domain::conversions::command::{
        DEFAULT_PUBLIC_PAGE, MAX_CAP_TENTHS, MAX_COURSE_CODE, MAX_COURSE_NAME, MAX_COURSE_TENTHS,
        MAX_PUBLIC_PAGE, MAX_RULE_NAME, MIN_RULE_NAME,
    };
    use domain::conversions::rules::{Level, Mode, RuleStatus};
    use domain::conversions::{Action, Status};
    use domain::registrations::command::{MAX_REASON, MIN_REASON};
    let spec = Spec::load();
    let schemas = &spec.doc["components"]["schemas"];
    let params = &spec.doc["components"]["parameters"];
    let as_json = |v: Vec<&str>| json!(v);
    let with_empty = |v: &Value| {
        let mut out = vec![json!("")];
        out.extend(v.as_array().cloned().unwrap_or_default());
        Value::Array(out)
    };
    let statuses = as_json(Status::ALL.iter().map(|s| s.as_str()).collect());
    assert_eq!(schemas["ConversionStatus"]["enum"], statuses);
    assert_eq!(
        params["ConversionStatusFilter"]["schema"]["enum"],
        with_empty(&statuses)
    );
    let rule_statuses = as_json(RuleStatus::ALL.iter().map(|s| s.as_str()).collect());
    assert_eq!(schemas["RuleStatus"]["enum"], rule_statuses);
    assert_eq!(
        params["RuleStatusFilter"]["schema"]["enum"],
        with_empty(&rule_statuses)
    );
    let levels = as_json(Level::ALL.iter().map(|l| l.as_str()).collect());
    assert_eq!(schemas["RuleLevel"]["enum"], levels);
    let mut min_level = with_empty(&levels);
    min_level.as_array_mut().unwrap().push(Value::Null);
    let source = &schemas["RuleRequest"]["properties"]["source"]["properties"];
    assert_eq!(source["minLevel"]["enum"], min_level);
    let modes = [Mode::Exempt, Mode::Replace];
    for m in &modes {
        // No wildcard: a new mode does not compile until it is listed above.
        match m {
            Mode::Exempt | Mode::Replace => {}
        }
    }
    assert_eq!(schemas["ConversionMode"]["enum"], json!(modes));
    let actions = [
        Action::Submitted,
        Action::Withdrawn,
        Action::Approved,
        Action::Rejected,
    ];
    for a in &actions {
        match a {
            Action::Submitted | Action::Withdrawn | Action::Approved | Action::Rejected => {}
        }
    }
    assert_eq!(
        schemas["ConversionStep"]["properties"]["action"]["enum"],
        json!(actions)
    );
    let rule = &schemas["RuleRequest"]["properties"];
    assert_eq!(rule["name"]["minLength"], json!(MIN_RULE_NAME));
    assert_eq!(rule["name"]["maxLength"], json!(MAX_RULE_NAME));
    assert_eq!(
        source["name"]["anyOf"][0]["maxLength"],
        json!(MAX_RULE_NAME)
    );
    let target = &rule["target"]["properties"];
    assert_eq!(target["courseCode"]["maxLength"], json!(MAX_COURSE_CODE));
    assert_eq!(target["courseName"]["maxLength"], json!(MAX_COURSE_NAME));
    assert_eq!(target["credits"]["maximum"], json!(MAX_COURSE_TENTHS / 10));
    assert_eq!(target["credits"]["minimum"], json!(0.1));
    assert_eq!(rule["maxCredits"]["maximum"], json!(MAX_CAP_TENTHS / 10));
    let decision = &schemas["ConversionDecisionRequest"]["properties"];
    assert_eq!(
        decision["credits"]["maximum"],
        json!(MAX_COURSE_TENTHS / 10)
    );
    assert_eq!(decision["reason"]["minLength"], json!(MIN_REASON));
    assert_eq!(decision["reason"]["maxLength"], json!(MAX_REASON));
    let public = &spec.doc["paths"]["/conversion-rules"]["get"]["parameters"];
    let page_size = public
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pageSize")
        .unwrap();
    assert_eq!(
        page_size["schema"]["anyOf"][0]["maximum"],
        json!(MAX_PUBLIC_PAGE)
    );
    assert_eq!(page_size["schema"]["default"], json!(DEFAULT_PUBLIC_PAGE));
    assert_eq!(
        schemas["PublicRulePage"]["properties"]["items"]["maxItems"],
        json!(MAX_PUBLIC_PAGE)
    );
}

/// The feedback schemas say what the domain's types and limits are: the categories, statuses,
/// authors, kinds and related kinds, the lengths, the attachments, the thread's size (its
/// closing beyond the messages' limit), the day's tickets.
#[test]
fn feedback_schemas_hold_the_domain_limits() {
    use domain::feedback::command::{CONTENT, MAX_ATTACHMENTS, MESSAGE, TITLE};
    use domain::feedback::{
        Author, Category, Kind, RelatedKind, Status, DAILY_TICKETS, MAX_MESSAGES,
    };
    let spec = Spec::load();
    let schemas = &spec.doc["components"]["schemas"];
    let codes = |all: Vec<&str>| json!(all);
    assert_eq!(
        schemas["FeedbackCategory"]["enum"],
        codes(Category::ALL.iter().map(|c| c.as_str()).collect())
    );
    let statuses = codes(Status::ALL.iter().map(|s| s.as_str()).collect());
    assert_eq!(schemas["FeedbackStatus"]["enum"], statuses);
    let mut filter = vec![json!("")];
    filter.extend(statuses.as_array().cloned().unwrap_or_default());
    assert_eq!(
        spec.doc["components"]["parameters"]["FeedbackStatusFilter"]["schema"]["enum"],
        json!(filter)
    );
    let message = &schemas["FeedbackMessage"]["properties"];
    assert_eq!(
        message["author"]["enum"],
        codes(Author::ALL.iter().map(|a| a.as_str()).collect())
    );
    assert_eq!(
        message["kind"]["enum"],
        codes(Kind::ALL.iter().map(|k| k.as_str()).collect())
    );
    assert_eq!(
        schemas["FeedbackRelated"]["properties"]["kind"]["enum"],
        codes(RelatedKind::ALL.iter().map(|k| k.as_str()).collect())
    );
    let request = &schemas["FeedbackRequest"]["properties"];
    for (field, (min, max)) in [("title", TITLE), ("content", CONTENT)] {
        assert_eq!(request[field]["minLength"], json!(min), "{field}");
        assert_eq!(request[field]["maxLength"], json!(max), "{field}");
    }
    assert_eq!(schemas["FeedbackText"]["minLength"], json!(MESSAGE.0));
    assert_eq!(schemas["FeedbackText"]["maxLength"], json!(MESSAGE.1));
    assert_eq!(request["attachments"]["maxItems"], json!(MAX_ATTACHMENTS));
    // A full thread still takes its closing.
    let thread = MAX_MESSAGES + 1;
    assert_eq!(message["seq"]["maximum"], json!(thread));
    let fields = &schemas["FeedbackFields"]["properties"];
    assert_eq!(fields["messageCount"]["maximum"], json!(thread));
    for name in ["FeedbackTicket", "StaffFeedbackTicket"] {
        let own = &schemas[name]["allOf"][1]["properties"];
        assert_eq!(own["messages"]["maxItems"], json!(thread), "{name}");
        assert_eq!(
            own["attachments"]["maxItems"],
            json!(MAX_ATTACHMENTS),
            "{name}"
        );
    }
    let inbox = &schemas["FeedbackInbox"]["properties"]["items"]["items"]["properties"];
    assert_eq!(inbox["messageCount"]["maximum"], json!(thread));
    assert_eq!(
        schemas["FeedbackPage"]["properties"]["leftToday"]["maximum"],
        json!(DAILY_TICKETS)
    );
    for rating in [
        &schemas["FeedbackCloseRequest"]["properties"]["rating"],
        &fields["rating"],
        &message["rating"],
    ] {
        assert_eq!(
            (&rating["minimum"], &rating["maximum"]),
            (&json!(1), &json!(5))
        );
    }
}
