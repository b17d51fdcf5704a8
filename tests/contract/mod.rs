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

//!
//! This module reads the files (YAML, the template's functions and grants, the events, the OpenAPI
//! document); its children hold the checks: [`routes`] (the same routes everywhere), [`openapi`]
//! (examples and requests), [`errors`] (every error code documented) and [`answers`] (what the
//! handlers actually answer).

mod answers;
mod errors;
mod openapi;
mod routes;

use domain::error::{DomainError, Problem, Subject, WeakReason};
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
    /// The routes behind an authorizer of the API (`Auth.Authorizer`), with its name.
    authorizers: BTreeMap<RouteKey, String>,
    /// Events that are not `HttpApi` events on an `AWS::Serverless::HttpApi` of the template.
    bad_events: Vec<String>,
    /// `(action, resource, condition)` of every Allow statement of its inline policies.
    grants: Vec<(String, Value, Value)>,
    /// Its environment: the variables of `Globals` overlaid with its own.
    env: Map<String, Value>,
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
        let mut authorizers = BTreeMap::new();
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
                (Some(m), Some(path)) => {
                    let route = (m.to_ascii_uppercase(), path.to_string());
                    if let Some(a) = p["Auth"]["Authorizer"].as_str() {
                        authorizers.insert(route.clone(), a.to_string());
                    }
                    routes.push(route);
                }
                _ => bad_events.push(format!("{id}.Events.{name}: no Method or Path")),
            }
        }
        let mut env = globals["Environment"]["Variables"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (k, v) in props["Environment"]["Variables"]
            .as_object()
            .into_iter()
            .flatten()
        {
            env.insert(k.clone(), v.clone());
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
            authorizers,
            bad_events,
            grants: grants(props),
            env,
        });
    }
    out
}

/// The Allow statements of a function's inline policies (SAM policy templates are not used).
fn grants(props: &Value) -> Vec<(String, Value, Value)> {
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
                out.push((a, st["Resource"].clone(), st["Condition"].clone()));
            }
        }
        if !policy.is_object() || policy.get("Statement").is_none() {
            out.push((format!("policy {policy}"), Value::Null, Value::Null));
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
    /// The route's key as API Gateway names it (`routeKey`: templates such as `{id}` as written).
    route: RouteKey,
    /// The path requested (`rawPath`).
    raw_path: String,
    /// `pathParameters` as the event carries them (API Gateway sets them for a templated route).
    path_params: Map<String, Value>,
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
            raw_path: v["rawPath"].as_str().unwrap_or_default().to_string(),
            path_params: v["pathParameters"].as_object().cloned().unwrap_or_default(),
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

    /// The parameters of an operation, resolved: its path item's, then its own (an operation's
    /// parameter replaces the path item's of the same name and place).
    fn parameters(&self, route: &RouteKey) -> Vec<&Value> {
        let item = &self.doc["paths"][&route.1];
        let op = &item[route.0.to_ascii_lowercase()];
        let mut out: Vec<&Value> = Vec::new();
        for p in item["parameters"]
            .as_array()
            .into_iter()
            .chain(op["parameters"].as_array())
            .flatten()
        {
            let p = self.resolve(p);
            out.retain(|q| (&q["name"], &q["in"]) != (&p["name"], &p["in"]));
            out.push(p);
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
