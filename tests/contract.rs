//! The deployment contract: `template.yaml`, `the functions' ROUTES`, the sample events in `events/`
//! and `openapi.yaml` describe the same API, and the functions answer what `openapi.yaml` says.
//!
//! - Every package under `functions/` is exactly one function of the template (same binary), and
//!   every template function is a package.
//! - The routes of the template (its `HttpApi` events) = the non-dev routes of `ROUTES` = the
//!   routes of the sample events = the operations of `openapi.yaml`; each route's event sits on
//!   the function that `ROUTES` names.
//! - Every example in `openapi.yaml` validates against its schema; request examples are sample
//!   event bodies; the bodies (and query parameters, and tokens) of the sample events that are
//!   meant to succeed validate against their route's request description; the import events
//!   against the import schema.
//! - Every error code of `domain::error` is documented with its status, and listed under no
//!   other status; throttled answers document `Retry-After`.
//! - Every sample event, and a first-login walk-through, run through the real handlers: each
//!   answer's status is documented for its route and its body validates against the schema.

use domain::error::{DomainError, Problem, WeakReason};
use http_edge::ApiError;
use integration_tests::*;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

type RouteKey = (String, String);

fn show(r: &RouteKey) -> String {
    format!("{} {}", r.0, r.1)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Fails with every problem found, one per line.
fn assert_no_problems(what: &str, problems: &[String]) {
    if !problems.is_empty() {
        let mut msg = format!("{what}: {} problem(s)\n", problems.len());
        for p in problems {
            let _ = writeln!(msg, "  - {p}");
        }
        panic!("{msg}");
    }
}

// ------------------------------------------------------------------------------------------------
// Reading the files
// ------------------------------------------------------------------------------------------------

/// YAML as JSON; CloudFormation's short forms (`!Ref X`) become `{"!Ref": X}`.
fn yaml_to_json(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                n.as_f64().map_or(Value::Null, |f| json!(f))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let mut m = Map::new();
            m.insert(tag, yaml_to_json(t.value));
            Value::Object(m)
        }
    }
}

fn read_yaml(name: &str) -> Value {
    let path = repo().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let yaml: serde_norway::Value =
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"));
    yaml_to_json(yaml)
}

/// Every function's routes (each function crate's `ROUTES`) and the function serving each.
fn code_routes() -> BTreeMap<RouteKey, &'static str> {
    let mut routes = BTreeMap::new();
    for (function, table) in devserver::FUNCTIONS {
        for r in table.iter() {
            let key = (r.method.as_str().to_string(), r.path.to_string());
            let previous = routes.insert(key.clone(), *function);
            assert!(previous.is_none(), "{} is declared twice", show(&key));
        }
    }
    routes
}

/// The package directories under `functions/` and the binary each builds.
fn packages() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(repo().join("functions")).expect("functions/ exists") {
        let entry = entry.unwrap();
        let manifest = entry.path().join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let dir = entry.file_name().into_string().unwrap();
        let text = std::fs::read_to_string(&manifest).unwrap();
        out.insert(
            dir.clone(),
            binary_name(&text).unwrap_or_else(|| {
                panic!("functions/{dir}/Cargo.toml: no [[bin]] name nor package name")
            }),
        );
    }
    out
}

/// The `[[bin]]` name of a manifest, else its package name.
fn binary_name(manifest: &str) -> Option<String> {
    let mut section = "";
    let (mut bin, mut package) = (None, None);
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some(value) = line
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|l| l.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_string())
        else {
            continue;
        };
        match section {
            "[[bin]]" if bin.is_none() => bin = Some(value),
            "[package]" => package = Some(value),
            _ => {}
        }
    }
    bin.or(package)
}

/// One `AWS::Serverless::Function` of the template.
#[derive(Debug)]
struct TemplateFunction {
    id: String,
    /// The directory under `functions/` of its `CodeUri`.
    package: String,
    binary: Option<String>,
    build_method: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    routes: Vec<RouteKey>,
    /// Events that are not `HttpApi` events on an `AWS::Serverless::HttpApi` of the template.
    bad_events: Vec<String>,
    /// `(action, resource)` of every Allow statement of its inline policies.
    grants: Vec<(String, Value)>,
}

fn template_functions(template: &Value) -> Vec<TemplateFunction> {
    let resources = template["Resources"]
        .as_object()
        .expect("template.yaml has Resources");
    let http_apis: BTreeSet<&str> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::HttpApi")
        .map(|(id, _)| id.as_str())
        .collect();
    let globals = &template["Globals"]["Function"];
    let mut out = Vec::new();
    for (id, r) in resources {
        if r["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let props = &r["Properties"];
        let code_uri = props["CodeUri"].as_str().unwrap_or("");
        let package = code_uri
            .trim_start_matches("./")
            .trim_end_matches('/')
            .strip_prefix("functions/")
            .unwrap_or("")
            .to_string();
        let effective = |key: &str| {
            props
                .get(key)
                .or_else(|| globals.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let mut routes = Vec::new();
        let mut bad_events = Vec::new();
        for (name, event) in props["Events"].as_object().into_iter().flatten() {
            let p = &event["Properties"];
            let api = p["ApiId"]["!Ref"]
                .as_str()
                .or_else(|| p["ApiId"]["Ref"].as_str());
            if event["Type"] != "HttpApi" || !api.is_some_and(|a| http_apis.contains(a)) {
                bad_events.push(format!(
                    "{id}.Events.{name}: not an HttpApi event on the template's HttpApi"
                ));
                continue;
            }
            match (p["Method"].as_str(), p["Path"].as_str()) {
                (Some(m), Some(path)) => routes.push((m.to_ascii_uppercase(), path.to_string())),
                _ => bad_events.push(format!("{id}.Events.{name}: no Method or Path")),
            }
        }
        out.push(TemplateFunction {
            id: id.clone(),
            package,
            binary: r["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .map(str::to_string),
            build_method: r["Metadata"]["BuildMethod"].as_str().map(str::to_string),
            runtime: effective("Runtime"),
            handler: effective("Handler"),
            routes,
            bad_events,
            grants: grants(props),
        });
    }
    out
}

/// The Allow statements of a function's inline policies (SAM policy templates are not used).
fn grants(props: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for policy in props["Policies"].as_array().into_iter().flatten() {
        for st in policy["Statement"].as_array().into_iter().flatten() {
            if st["Effect"] != "Allow" {
                continue;
            }
            let actions = match &st["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            for a in actions {
                out.push((a, st["Resource"].clone()));
            }
        }
        if !policy.is_object() || policy.get("Statement").is_none() {
            out.push((format!("policy {policy}"), Value::Null));
        }
    }
    out
}

/// `file → status` of the HTTP events in events/expected.json.
fn expected_statuses() -> BTreeMap<String, u16> {
    expected_events()
        .into_iter()
        .filter_map(|e| Some((e.file, e.status?)))
        .collect()
}

/// Words in the names of sample files that show something going wrong.
const FAILURE_WORDS: &[&str] = &[
    "invalid",
    "wrong",
    "missing",
    "no-token",
    "weak",
    "expired",
    "bad",
    "locked",
    "incomplete",
];

#[derive(Debug)]
struct Event {
    file: String,
    text: String,
    route: RouteKey,
    /// The status events/expected.json declares, if it lists the file.
    expected: Option<u16>,
    body: Option<Value>,
    headers: Map<String, Value>,
    query: Map<String, Value>,
}

impl Event {
    /// Meant to succeed: a 2xx in events/expected.json or, for files it does not list, a name
    /// without a word of failure.
    fn succeeds(&self) -> bool {
        match self.expected {
            Some(s) => (200..300).contains(&s),
            None => !FAILURE_WORDS.iter().any(|w| self.file.contains(w)),
        }
    }
}

fn events_dir() -> PathBuf {
    repo().join("events")
}

fn event_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && n != "expected.json")
        .collect();
    files.sort();
    files
}

fn is_import_event(file: &str) -> bool {
    file.starts_with("import")
}

/// The API Gateway events of `events/` (every file but the import events).
fn api_events() -> Vec<Event> {
    let expected = expected_statuses();
    let mut out = Vec::new();
    for file in event_files().into_iter().filter(|f| !is_import_event(f)) {
        let text = std::fs::read_to_string(events_dir().join(&file)).unwrap();
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("events/{file} is not JSON: {e}"));
        let route_key = v["routeKey"].as_str().unwrap_or_else(|| {
            panic!("events/{file}: no routeKey (only import*.json may be other than API events)")
        });
        let (method, path) = route_key.split_once(' ').unwrap_or_else(|| {
            panic!("events/{file}: routeKey {route_key:?} is not 'METHOD /path'")
        });
        let body = match v["body"].as_str() {
            Some(b) if !b.is_empty() => {
                assert_ne!(
                    v["isBase64Encoded"], true,
                    "events/{file}: JSON sample bodies are sent as text"
                );
                Some(
                    serde_json::from_str(b)
                        .unwrap_or_else(|e| panic!("events/{file}: the body is not JSON: {e}")),
                )
            }
            _ => None,
        };
        out.push(Event {
            expected: expected.get(&file).copied(),
            file,
            route: (method.to_string(), path.to_string()),
            body,
            headers: v["headers"].as_object().cloned().unwrap_or_default(),
            query: v["queryStringParameters"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            text,
        });
    }
    out
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// `openapi.yaml` and what it takes to read it.
struct Spec {
    doc: Value,
}

impl Spec {
    fn load() -> Spec {
        let doc = read_yaml("openapi.yaml");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "openapi.yaml: OpenAPI 3.1 expected"
        );
        Spec { doc }
    }

    fn operations(&self) -> BTreeMap<RouteKey, &Value> {
        let mut out = BTreeMap::new();
        for (path, item) in self.doc["paths"]
            .as_object()
            .expect("openapi.yaml has paths")
        {
            for m in METHODS {
                if let Some(op) = item.get(*m) {
                    out.insert((m.to_ascii_uppercase(), path.clone()), op);
                }
            }
        }
        out
    }

    /// Follows a `$ref` to a component (responses, headers, parameters).
    fn resolve<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v["$ref"].as_str() {
            Some(r) => {
                let pointer = r
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("openapi.yaml: only local $refs, not {r}"));
                let target = self
                    .doc
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("openapi.yaml: $ref {r} points nowhere"));
                self.resolve(target)
            }
            None => v,
        }
    }

    /// A validator for `schema`, a schema of this document (its `$ref`s resolve here).
    fn validator(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        let mut root = match schema {
            Value::Object(m) => m.clone(),
            Value::Bool(true) => Map::new(),
            other => return Err(format!("not a schema: {other}")),
        };
        root.insert(
            "components".into(),
            json!({ "schemas": self.doc["components"]["schemas"] }),
        );
        jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("invalid schema: {e}"))
    }

    /// Why `instance` does not fit `schema` (empty if it does).
    fn check(&self, schema: &Value, instance: &Value) -> Vec<String> {
        match self.validator(schema) {
            Ok(v) => v
                .iter_errors(instance)
                .map(|e| format!("{e} (at '{}')", e.instance_path()))
                .collect(),
            Err(e) => vec![e],
        }
    }

    /// The JSON content of a request body or response, resolved.
    fn json_content<'a>(&'a self, holder: &'a Value) -> Option<&'a Value> {
        self.resolve(holder)["content"].get("application/json")
    }

    /// The examples of a media type object: `example` and every `examples.*.value`.
    fn examples<'a>(&'a self, media: &'a Value) -> Vec<(String, &'a Value)> {
        let mut out = Vec::new();
        if let Some(e) = media.get("example") {
            out.push(("example".to_string(), e));
        }
        for (name, e) in media["examples"].as_object().into_iter().flatten() {
            let e = self.resolve(e);
            match e.get("value") {
                Some(v) => out.push((format!("examples.{name}"), v)),
                None => out.push((format!("examples.{name} (no value)"), &Value::Null)),
            }
        }
        out
    }

    /// The error codes a response schema admits: the `enum` of `error.code` in its `allOf`.
    fn error_codes(&self, schema: &Value) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for part in schema["allOf"].as_array().into_iter().flatten() {
            for c in part["properties"]["error"]["properties"]["code"]["enum"]
                .as_array()
                .into_iter()
                .flatten()
            {
                out.insert(c.as_str().unwrap_or_default().to_string());
            }
        }
        out
    }

    /// `code → status` of the `ErrorCode` schema (`const` and `x-status` of each `oneOf`).
    fn documented_codes(&self) -> BTreeMap<String, u16> {
        let mut out = BTreeMap::new();
        let entries = self.doc["components"]["schemas"]["ErrorCode"]["oneOf"]
            .as_array()
            .expect("openapi.yaml: components.schemas.ErrorCode.oneOf lists the codes");
        for e in entries {
            let code = e["const"].as_str().expect("ErrorCode entries have a const");
            let status = e["x-status"]
                .as_u64()
                .unwrap_or_else(|| panic!("ErrorCode {code}: no x-status"));
            out.insert(code.to_string(), status as u16);
        }
        out
    }
}

// ------------------------------------------------------------------------------------------------
// Every error the code can answer with
// ------------------------------------------------------------------------------------------------

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
        DomainError::SmsCooldown { retry_after: 42 },
        DomainError::SmsLimitExceeded { retry_after: 3600 },
        DomainError::SmsCodeInvalid,
        DomainError::IdExpired,
        DomainError::IdValidityInvalid,
        DomainError::PasswordWeak(WeakReason::Common),
        DomainError::MobileTaken,
        DomainError::RateLimited { retry_after: 30 },
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
            | DomainError::SmsCooldown { .. }
            | DomainError::SmsLimitExceeded { .. }
            | DomainError::SmsCodeInvalid
            | DomainError::IdExpired
            | DomainError::IdValidityInvalid
            | DomainError::PasswordWeak(_)
            | DomainError::MobileTaken
            | DomainError::RateLimited { .. }
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

// ------------------------------------------------------------------------------------------------
// The same routes everywhere
// ------------------------------------------------------------------------------------------------

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
        // (sms: codes; login: reset codes and password notices; profile: mobile notices).
        for (action, resource) in &f.grants {
            let on_table = *resource == json!({ "!GetAtt": "Table.Arn" });
            let ok = if action == "sns:Publish" {
                ["sms", "login", "profile"].contains(&f.package.as_str())
            } else {
                action.starts_with("dynamodb:") && !action.contains('*') && on_table
            };
            if !ok {
                problems.push(format!("{}: grants {action} on {resource}", f.id));
            }
        }
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

// ------------------------------------------------------------------------------------------------
// openapi.yaml: examples, requests, errors
// ------------------------------------------------------------------------------------------------

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
        for param in op["parameters"].as_array().into_iter().flatten() {
            let param = spec.resolve(param);
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
        let params: BTreeMap<&str, &Value> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| spec.resolve(p))
            .filter(|p| p["in"] == "query")
            .map(|p| (p["name"].as_str().unwrap_or(""), &p["schema"]))
            .collect();
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

// ------------------------------------------------------------------------------------------------
// What the handlers actually answer
// ------------------------------------------------------------------------------------------------

/// Why an answer to `route` is not what openapi.yaml documents (empty if it is).
fn undocumented(spec: &Spec, route: &RouteKey, resp: &TestResponse) -> Vec<String> {
    let ops = spec.operations();
    let Some(op) = ops.get(route) else {
        return vec![format!("{} is not in openapi.yaml", show(route))];
    };
    let status = resp.status.to_string();
    let Some(doc) = op["responses"].get(&status).map(|r| spec.resolve(r)) else {
        return vec![format!(
            "{} answered {status} {}, a status openapi.yaml does not document",
            show(route),
            resp.body
        )];
    };
    let mut problems = Vec::new();
    match doc["content"].get("application/json") {
        Some(media) => {
            let ct = resp
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !ct.starts_with("application/json") {
                problems.push(format!("{} {status}: content-type {ct:?}", show(route)));
            }
            let mut body = resp.body.clone();
            // The dev server's own addition (lets scripts log in); the Lambda never sends it.
            if route.1 == "/captcha" {
                if let Some(m) = body.as_object_mut() {
                    m.remove("devAnswer");
                }
            }
            for p in spec.check(&media["schema"], &body) {
                problems.push(format!("{} {status}: {p}; body {}", show(route), resp.body));
            }
        }
        None if resp.raw.is_empty() => {}
        None => problems.push(format!(
            "{} {status}: a body where openapi.yaml documents none",
            show(route)
        )),
    }
    for name in doc["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(n, _)| n)
    {
        if !resp.headers.contains_key(name.as_str()) {
            problems.push(format!("{} {status}: no {name} header", show(route)));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_events_get_documented_answers() {
    let spec = Spec::load();
    let routes = code_routes();
    let mut problems = Vec::new();
    for e in api_events() {
        if !routes.contains_key(&e.route) {
            continue; // not a route: template_routes_events_and_openapi_match_devserver_routes says so
        }
        let t = seeded_app(Backend::Memory).await.unwrap();
        let event: Value = serde_json::from_str(&e.text).unwrap();
        let resp = invoke_event(t.dev.app.clone(), event).await;
        problems.extend(
            undocumented(&spec, &e.route, &resp)
                .into_iter()
                .map(|p| format!("events/{}: {p}", e.file)),
        );
    }
    assert_no_problems("sample events' answers vs openapi.yaml", &problems);
}

/// A learner's first steps, every answer checked against openapi.yaml.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_login_walkthrough_gets_documented_answers() {
    let spec = Spec::load();
    let t = TestApp::spawn(Backend::Memory).await.unwrap();
    let mut problems = Vec::new();

    // The demo roll, through the dev server's door to the import function: its result is the
    // import function's, and must fit ImportResult.
    for file in event_files().into_iter().filter(|f| is_import_event(f)) {
        let event: Value =
            serde_json::from_str(&std::fs::read_to_string(events_dir().join(&file)).unwrap())
                .unwrap();
        let r = t.send(t.req("POST", "/_dev/import").json(&event)).await;
        if r.status != 200 {
            problems.push(format!(
                "events/{file} through POST /_dev/import: {} {}",
                r.status, r.body
            ));
        }
        for p in spec.check(
            &json!({ "$ref": "#/components/schemas/ImportResult" }),
            &r.body,
        ) {
            problems.push(format!("events/{file}: import result: {p}; {}", r.body));
        }
    }

    let mut check = |method: &str, path: &str, resp: &TestResponse, want: u16| {
        let route = (method.to_string(), path.to_string());
        if resp.status != want {
            problems.push(format!(
                "{} answered {} (expected {want}): {}",
                show(&route),
                resp.status,
                resp.body
            ));
        }
        problems.extend(undocumented(&spec, &route, resp));
    };
    let r = t.get("/captcha", None).await;
    check("GET", "/captcha", &r, 200);
    let r = t.get("/achievement-types", None).await;
    check("GET", "/achievement-types", &r, 200);
    let r = t
        .send(
            t.req("GET", "/achievement-types")
                .header("accept-language", "en"),
        )
        .await;
    check("GET", "/achievement-types", &r, 200);
    let r = t.get("/me", None).await;
    check("GET", "/me", &r, 401);

    let r = t.login(DEMO_ID, "000000").await;
    check("POST", "/login", &r, 401);
    let r = t.login(DEMO_ID, DEMO_PASSWORD).await;
    check("POST", "/login", &r, 200);
    let token = r.body["token"].as_str().unwrap_or_default().to_string();

    let r = t.get("/profile", Some(&token)).await;
    check("GET", "/profile", &r, 200);
    let r = t.get("/me", Some(&token)).await;
    check("GET", "/me", &r, 403);
    let r = t.get("/achievements", Some(&token)).await;
    check("GET", "/achievements", &r, 403);

    let mobile = unique_mobile();
    let r = t
        .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
        .await;
    check("POST", "/sms/code", &r, 200);
    let r = t
        .post("/sms/code", json!({ "mobile": mobile }), Some(&token))
        .await;
    check("POST", "/sms/code", &r, 429);
    let code = t.last_code(&mobile).await;
    let r = t
        .put_profile(&token, TestApp::profile_body(&mobile, &code, "password"))
        .await;
    check("PUT", "/profile", &r, 400);
    let r = t
        .put_profile(
            &token,
            TestApp::profile_body(&mobile, &code, "Gd7-river-lantern"),
        )
        .await;
    check("PUT", "/profile", &r, 200);

    let r = t.get("/me", Some(&token)).await;
    check("GET", "/me", &r, 200);
    let r = t.get("/achievements", Some(&token)).await;
    check("GET", "/achievements", &r, 200);
    let r = t
        .send(
            t.req("GET", "/achievements")
                .query("type=NON_ACADEMIC&page=1&pageSize=1")
                .bearer(&token),
        )
        .await;
    check("GET", "/achievements", &r, 200);
    let r = t
        .send(
            t.req("GET", "/achievements")
                .query("pageSize=51")
                .bearer(&token),
        )
        .await;
    check("GET", "/achievements", &r, 400);

    let r = t.send(t.req("POST", "/logout").bearer(&token)).await;
    check("POST", "/logout", &r, 204);
    let r = t.get("/profile", Some(&token)).await;
    check("GET", "/profile", &r, 401);

    assert_no_problems("answers of a first login vs openapi.yaml", &problems);
}

#[test]
fn reading_helpers() {
    assert_eq!(
        binary_name(
            "[package]\nname = \"fn-x\"\n\n[[bin]]\nname = \"x\"\npath = \"src/main.rs\"\n"
        ),
        Some("x".into())
    );
    assert_eq!(
        binary_name("[package]\nname = \"fn-x\"\n"),
        Some("fn-x".into())
    );
    let v = yaml_to_json(
        serde_norway::from_str("a: !Ref B\nc: !GetAtt D.Arn\n200: [1, 2.5]\n").unwrap(),
    );
    assert_eq!(
        v,
        json!({ "a": { "!Ref": "B" }, "c": { "!GetAtt": "D.Arn" }, "200": [1, 2.5] })
    );
}

/// The query enums of `GET /achievements` are the catalogue's codes plus "" (an empty value means
/// the parameter is absent), and the codes are those of the components the answers use.
#[test]
fn achievement_filters_accept_the_codes_and_the_empty_value() {
    let spec = Spec::load();
    let params = spec.doc["paths"]["/achievements"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for (name, component) in [
        ("type", "AchievementTypeCode"),
        ("subtype", "AchievementSubtypeCode"),
        ("source", "SourceCode"),
    ] {
        let param = params.iter().find(|p| p["name"] == name).unwrap();
        let mut expected = vec![json!("")];
        expected.extend(
            spec.doc["components"]["schemas"][component]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        assert_eq!(param["schema"]["enum"], Value::Array(expected), "{name}");
        assert_eq!(param["allowEmptyValue"], true, "{name}");
    }
    for name in ["page", "pageSize"] {
        let param = params.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(param["allowEmptyValue"], true, "{name}");
    }
}
