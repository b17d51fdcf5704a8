//! The same routes everywhere: functions, template, events, OpenAPI.

#![allow(unused_imports)]
use super::*;
use domain::security::crypto::Purposes;

#[test]
fn every_function_package_is_one_template_function() {
    let template = read_yaml("template.yaml");
    let functions = template_functions(&template);
    let packages = packages();
    let mut problems = Vec::new();
    for (dir, bin) in &packages {
        let ids: Vec<&str> = functions
            .iter()
            .filter(|f| &f.package == dir)
            .map(|f| f.id.as_str())
            .collect();
        if ids.len() != 1 {
            problems.push(format!(
                "functions/{dir} must be exactly one template function (CodeUri: functions/{dir}), found {ids:?}"
            ));
        }
        for f in functions.iter().filter(|f| &f.package == dir) {
            if f.binary.as_deref() != Some(bin.as_str()) {
                problems.push(format!(
                    "{}: Metadata.BuildProperties.Binary is {:?}, functions/{dir} builds {bin:?}",
                    f.id, f.binary
                ));
            }
        }
    }
    for f in &functions {
        if !packages.contains_key(&f.package) {
            problems.push(format!(
                "{}: CodeUri is not a package directory functions/<name> (package {:?})",
                f.id, f.package
            ));
        }
        if f.build_method.as_deref() != Some("rust-cargolambda") {
            problems.push(format!(
                "{}: Metadata.BuildMethod must be rust-cargolambda",
                f.id
            ));
        }
        if f.runtime.as_deref() != Some("provided.al2023")
            || f.handler.as_deref() != Some("bootstrap")
        {
            problems.push(format!(
                "{}: Runtime provided.al2023 and Handler bootstrap expected, got {:?} / {:?}",
                f.id, f.runtime, f.handler
            ));
        }
        problems.extend(f.bad_events.iter().cloned());
        // Least privilege: table actions on the table only, SNS only for the functions that send
        // (sms: codes; login: reset codes and password notices; profile: mobile notices;
        // registrations and conversions: decision notices; feedback: reply notices), the pepper
        // only for the functions that hash (their KEYS), through Secrets Manager only; the
        // evidence bucket only for registrations and feedback: registrations reads and puts its
        // objects under incoming/ and evidence/ (the forms it signs, the copies it keeps),
        // feedback reads them and puts only under evidence/ (the copies of its attachments: it
        // signs no form); both may list it (a missing key is then 404, not 403).
        let hashes = !keys_of(&f.package).is_empty();
        let both_prefixes = json!([
            { "!Sub": "${EvidenceBucket.Arn}/incoming/*" },
            { "!Sub": "${EvidenceBucket.Arn}/evidence/*" },
        ]);
        let kept_copies = json!({ "!Sub": "${EvidenceBucket.Arn}/evidence/*" });
        for (action, resource, condition) in &f.grants {
            let on_table = *resource == json!({ "!GetAtt": "Table.Arn" });
            let ok = match action.as_str() {
                "sns:Publish" => [
                    "sms",
                    "login",
                    "profile",
                    "registrations",
                    "conversions",
                    "feedback",
                ]
                .contains(&f.package.as_str()),
                "s3:GetObject" => {
                    ["registrations", "feedback"].contains(&f.package.as_str())
                        && *resource == both_prefixes
                }
                "s3:PutObject" => match f.package.as_str() {
                    "registrations" => *resource == both_prefixes,
                    "feedback" => *resource == kept_copies,
                    _ => false,
                },
                "s3:ListBucket" => {
                    ["registrations", "feedback"].contains(&f.package.as_str())
                        && *resource == json!({ "!GetAtt": "EvidenceBucket.Arn" })
                }
                "secretsmanager:GetSecretValue" => {
                    hashes && *resource == json!({ "!Ref": "PepperSecret" })
                }
                "kms:Decrypt" => {
                    let when = &condition["StringEquals"];
                    hashes
                        && *resource == json!({ "!GetAtt": "PepperKey.Arn" })
                        && when["kms:ViaService"]
                            == json!({ "!Sub": "secretsmanager.${AWS::Region}.${AWS::URLSuffix}" })
                        && when["kms:EncryptionContext:SecretARN"]
                            == json!({ "!Ref": "PepperSecret" })
                }
                _ => action.starts_with("dynamodb:") && !action.contains('*') && on_table,
            };
            if !ok {
                problems.push(format!("{}: grants {action} on {resource}", f.id));
            }
        }
        problems.extend(pepper_problems(f, hashes));
    }
    assert_eq!(
        template["Parameters"]["Architecture"]["Default"], "arm64",
        "template.yaml: the Architecture parameter defaults to arm64"
    );
    assert_eq!(
        template["Globals"]["Function"]["Architectures"],
        json!([{ "!Ref": "Architecture" }]),
        "template.yaml: every function's architecture is the Architecture parameter"
    );
    assert_no_problems("template.yaml vs functions/", &problems);
}

/// The keyed hashes of the function built from `functions/<package>`: its `KEYS`.
fn keys_of(package: &str) -> Purposes {
    match package {
        "captcha" => fn_captcha::KEYS,
        "login" => fn_login::KEYS,
        "sms" => fn_sms::KEYS,
        "profile" => fn_profile::KEYS,
        "achievements" => fn_achievements::KEYS,
        "import" => fn_import::KEYS,
        "registrations" => fn_registrations::KEYS,
        "conversions" => fn_conversions::KEYS,
        "feedback" => fn_feedback::KEYS,
        other => panic!("functions/{other}: add its KEYS to tests/contract/routes.rs"),
    }
}

/// The pepper is in no function's environment; a function that hashes (`hashes`) gets the
/// secret's ARN and both grants to read it, and one that does not gets neither.
fn pepper_problems(f: &TemplateFunction, hashes: bool) -> Vec<String> {
    let mut problems = Vec::new();
    if f.env.contains_key("ID_PEPPER") {
        problems.push(format!("{}: ID_PEPPER in its environment", f.id));
    }
    let arn = f.env.get("PEPPER_SECRET_ARN");
    let granted = |action: &str| f.grants.iter().any(|(a, _, _)| a == action);
    if hashes {
        if arn != Some(&json!({ "!Ref": "PepperSecret" })) {
            problems.push(format!(
                "{}: hashes, but PEPPER_SECRET_ARN is {arn:?}",
                f.id
            ));
        }
        for action in ["secretsmanager:GetSecretValue", "kms:Decrypt"] {
            if !granted(action) {
                problems.push(format!("{}: hashes, but is not granted {action}", f.id));
            }
        }
    } else if arn.is_some() || f.env.contains_key("KEY_EPOCH") {
        problems.push(format!(
            "{}: hashes nothing, but is told of the pepper",
            f.id
        ));
    }
    problems
}

#[test]
fn no_function_has_the_pepper_in_its_environment() {
    let template = read_yaml("template.yaml");
    let functions = template_functions(&template);
    assert_eq!(functions.len(), packages().len());
    for f in &functions {
        assert!(!f.env.contains_key("ID_PEPPER"), "{}", f.id);
        assert!(
            !f.env
                .values()
                .any(|v| v.to_string().contains("resolve:secretsmanager")),
            "{}: a secret resolved into its environment",
            f.id
        );
    }
    let reading: Vec<&str> = functions
        .iter()
        .filter(|f| f.env.contains_key("PEPPER_SECRET_ARN"))
        .map(|f| f.package.as_str())
        .collect();
    assert!(!reading.contains(&"achievements"), "{reading:?}");
    assert_eq!(reading.len(), 5, "{reading:?}");
}

#[test]
fn template_routes_events_and_openapi_match_devserver_routes() {
    let code = code_routes();
    let template = read_yaml("template.yaml");
    let functions = template_functions(&template);
    let events = api_events();
    let spec = Spec::load();
    let mut problems = Vec::new();

    // template.yaml: each route once, on the function ROUTES names.
    let mut template_routes: BTreeMap<RouteKey, &str> = BTreeMap::new();
    for f in &functions {
        for r in &f.routes {
            if let Some(other) = template_routes.insert(r.clone(), &f.id) {
                problems.push(format!(
                    "template.yaml: {} is an event of both {other} and {}",
                    show(r),
                    f.id
                ));
            }
            if let Some(owner) = code.get(r) {
                if *owner != f.package {
                    problems.push(format!(
                        "template.yaml: {} is an event of {} (functions/{}), but ROUTES serves it with function {owner:?}",
                        show(r),
                        f.id,
                        f.package
                    ));
                }
            }
        }
    }

    // The sample events: each route has one, and one that succeeds.
    let mut event_routes: BTreeMap<RouteKey, Vec<&Event>> = BTreeMap::new();
    // Every event names a route of the API: API Gateway never hands a function any other
    // (it answers an unknown method or path itself, 404 {"message":"Not Found"}).
    for e in &events {
        event_routes.entry(e.route.clone()).or_default().push(e);
    }
    for (route, evs) in &event_routes {
        if code.contains_key(route) && !evs.iter().any(|e| e.succeeds()) {
            problems.push(format!(
                "events/: {} has no sample that succeeds (only {:?})",
                show(route),
                evs.iter().map(|e| &e.file).collect::<Vec<_>>()
            ));
        }
    }

    let sets: [(&str, BTreeSet<RouteKey>); 3] = [
        ("template.yaml", template_routes.keys().cloned().collect()),
        ("events/", event_routes.keys().cloned().collect()),
        ("openapi.yaml", spec.operations().keys().cloned().collect()),
    ];
    let routes: BTreeSet<RouteKey> = code.keys().cloned().collect();
    for (name, set) in &sets {
        for r in routes.difference(set) {
            problems.push(format!(
                "{} (function {}) is in the functions' ROUTES but not in {name}",
                show(r),
                code[r]
            ));
        }
        for r in set.difference(&routes) {
            problems.push(format!(
                "{} is in {name} but not a (non-dev) route of the functions' ROUTES",
                show(r)
            ));
        }
    }
    for r in devserver::DEV_ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/_dev"))
    {
        let key = (r.method.as_str().to_string(), r.path.to_string());
        if sets.iter().any(|(_, s)| s.contains(&key)) {
            problems.push(format!(
                "{} is dev-only and must not be deployed or documented",
                show(&key)
            ));
        }
    }
    assert_no_problems(
        "routes: template.yaml / the functions' ROUTES / events/ / openapi.yaml",
        &problems,
    );
}

#[test]
fn every_route_is_in_the_readme_api_table() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let table: String = readme
        .lines()
        .skip_while(|l| !l.starts_with("## API"))
        .take_while(|l| !l.starts_with("## ") || l.starts_with("## API"))
        .filter(|l| l.starts_with('|'))
        .collect::<Vec<_>>()
        .join("\n");
    let problems: Vec<String> = code_routes()
        .keys()
        .filter(|(m, p)| !table.contains(&format!("`{m} {p}`")))
        .map(|r| format!("{} is not in README.md's API table", show(r)))
        .collect();
    assert_no_problems("README.md API table", &problems);
}

/// The names of a route template's parameters (`/a/{id}/b` → `id`).
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

/// A templated route (`{id}`) is requested the way API Gateway hands it over: the event's path
/// fits its `routeKey`'s template, and `pathParameters` holds exactly what the template names
/// (decoded); `openapi.yaml` declares exactly those path parameters, required.
#[test]
fn templated_routes_have_their_path_parameters_everywhere() {
    let spec = Spec::load();
    let mut problems = Vec::new();
    for e in api_events() {
        let f = &e.file;
        let template = &e.route.1;
        let Some(params) = http_edge::route::matches(template, &e.raw_path) else {
            problems.push(format!(
                "events/{f}: rawPath {} does not fit its routeKey {}",
                e.raw_path,
                show(&e.route)
            ));
            continue;
        };
        let expected: Map<String, Value> = params.into_iter().map(|(k, v)| (k, json!(v))).collect();
        if e.path_params != expected {
            problems.push(format!(
                "events/{f}: pathParameters {:?}, but {} in {} gives {expected:?}",
                e.path_params, e.raw_path, template
            ));
        }
        let event: Value = serde_json::from_str(&e.text).unwrap();
        if event["requestContext"]["routeKey"] != json!(show(&e.route)) {
            problems.push(format!(
                "events/{f}: requestContext.routeKey is not its routeKey"
            ));
        }
        if event["requestContext"]["http"]["path"] != json!(e.raw_path) {
            problems.push(format!(
                "events/{f}: requestContext.http.path is not its rawPath"
            ));
        }
    }
    for route in spec.operations().keys() {
        let declared: BTreeSet<String> = spec
            .parameters(route)
            .into_iter()
            .filter(|p| p["in"] == "path")
            .inspect(|p| {
                if p["required"] != true {
                    problems.push(format!(
                        "openapi.yaml {}: path parameter {} must be required",
                        show(route),
                        p["name"]
                    ));
                }
            })
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect();
        if declared != template_params(&route.1) {
            problems.push(format!(
                "openapi.yaml {}: path parameters {declared:?}, the template names {:?}",
                show(route),
                template_params(&route.1)
            ));
        }
    }
    assert_no_problems("templated routes: events/ and openapi.yaml", &problems);
}

/// The staff's routes, and only they, are behind the staff user pool's JWT authorizer in the
/// template and secured by `staffJwt` in openapi.yaml: every `/institution/` route (the schools')
/// and every `/platform/` route (the credit bank's own staff). The
/// authorizer admits ID tokens of the staff pool's own app client, read from `Authorization`;
/// the API has no default authorizer (the learners' routes check their session themselves).
#[test]
fn the_staff_routes_and_only_they_are_behind_the_staff_authorizer() {
    let template = read_yaml("template.yaml");
    let spec = Spec::load();
    let mut problems = Vec::new();
    let api = &template["Resources"]["Api"]["Properties"];
    if !api["Auth"]["DefaultAuthorizer"].is_null() {
        problems.push("template.yaml: Api has a DefaultAuthorizer".to_string());
    }
    let jwt = &api["Auth"]["Authorizers"]["StaffJwt"];
    if jwt["IdentitySource"] != "$request.header.Authorization" {
        problems.push(format!(
            "template.yaml: StaffJwt reads {}, not the Authorization header",
            jwt["IdentitySource"]
        ));
    }
    let issuer = jwt["JwtConfiguration"]["issuer"].to_string();
    if !issuer.contains("cognito-idp.") || !issuer.contains("${StaffUserPool}") {
        problems.push(format!(
            "template.yaml: StaffJwt's issuer {issuer} is not the staff user pool"
        ));
    }
    if jwt["JwtConfiguration"]["audience"] != json!([{ "!Ref": "StaffUserPoolClient" }]) {
        problems.push(format!(
            "template.yaml: StaffJwt's audience is {}, not the staff app client alone",
            jwt["JwtConfiguration"]["audience"]
        ));
    }
    let mut behind: BTreeMap<RouteKey, String> = BTreeMap::new();
    for f in template_functions(&template) {
        behind.extend(f.authorizers);
    }
    for route in code_routes().keys() {
        let staff_route = route.1.starts_with("/institution/") || route.1.starts_with("/platform/");
        let authorizer = behind.get(route).map(String::as_str);
        if staff_route != (authorizer == Some("StaffJwt")) {
            problems.push(format!(
                "template.yaml: {} has authorizer {authorizer:?}",
                show(route)
            ));
        }
        let ops = spec.operations();
        let Some(op) = ops.get(route) else { continue };
        let security = op.get("security").unwrap_or(&spec.doc["security"]);
        let staff_secured = *security == json!([{ "staffJwt": [] }]);
        let names_staff = security.to_string().contains("staffJwt");
        if staff_route != staff_secured || (!staff_route && names_staff) {
            problems.push(format!(
                "openapi.yaml: {} has security {security}",
                show(route)
            ));
        }
    }
    assert_no_problems("the staff routes' authorizer", &problems);
}
