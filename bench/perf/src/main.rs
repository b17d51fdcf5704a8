//! The Rust half of the benchmark; `scripts/bench.sh` runs it through `bench/run.py`, which
//! prints the table (see docs/operating.md, "Performance").
//!
//! ```text
//! perf-bench seed N      # TABLE_NAME, ID_PEPPER, AWS_ENDPOINT_URL: creates the table if
//!                        # missing, writes the fixtures of the sample events
//!                        # (devserver/src/fixtures.rs) and N more captchas; with
//!                        # UPLOAD_BUCKET, creates the bucket and puts the fixture uploads'
//!                        # files there; prints JSON
//! perf-bench captchas N  # N more captchas in that table (they live 120 s): JSON
//! perf-bench latency     # in-process handler latency per route, as JSON
//! ```
//!
//! `latency` feeds the sample events of `events/` (API Gateway HTTP API, payload 2.0), each with
//! its own client address so that the per-address throttles stay out of the way, to
//! `http_edge::lambda::handle_event` with the function's `ROUTES` — the path a Lambda invocation
//! takes after the runtime has read the event — on the in-memory store, seeded with the same
//! fixtures. No log subscriber is installed, so logging costs nothing here.

use devserver::fixtures;
use domain::app::config::Config;
use domain::ports::clock::ManualClock;
use domain::security::crypto::Keys;
use domain::App;
use http_edge::Route;
use lambda_http::lambda_runtime::{Context, LambdaEvent};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

const CAPTCHA: &str = include_str!("../../../events/captcha.json");
const LOGIN: &str = include_str!("../../../events/login.json");
const ME: &str = include_str!("../../../events/me.json");
const ACHIEVEMENTS: &str = include_str!("../../../events/achievements.json");
const REGISTRATIONS: &str = include_str!("../../../events/registrations-list.json");
const SCHOOL_QUEUE: &str = include_str!("../../../events/institution-registrations.json");
const PUBLIC_RULES: &str = include_str!("../../../events/conversion-rules.json");
const RULES_MET: &str = include_str!("../../../events/achievement-conversion-rules.json");

/// The pepper of the in-memory app (any 32 bytes or more).
const PEPPER: &str = "perf-bench-pepper-0123456789abcdef-0123456789";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["seed", n] => seed(n.parse().expect("seed N: a number of captchas")).await,
        ["captchas", n] => captchas(n.parse().expect("captchas N: a number")).await,
        ["latency"] => latency(1000, 40).await,
        ["init-steps"] => init_steps().await,
        ["latency", fast, slow] => {
            latency(
                fast.parse().expect("iterations"),
                slow.parse().expect("login iterations"),
            )
            .await
        }
        _ => {
            eprintln!(
                "usage: perf-bench seed N | captchas N | latency [ITERATIONS LOGIN_ITERATIONS] | init-steps"
            );
            std::process::exit(2);
        }
    };
    println!("{out}");
}

/// A new captcha in `app`'s store and its answer.
async fn captcha(app: &App) -> (String, u32) {
    let issued = domain::captcha::issue(app).await.expect("issue a captcha");
    let answer = domain::captcha::peek_answer_for_dev(app, &issued.captcha_id)
        .await
        .expect("read the captcha back")
        .expect("the captcha just issued is live");
    (issued.captcha_id, answer)
}

/// The fixtures of the sample events and `n` captchas in the table of the environment.
async fn seed(n: usize) -> Value {
    let config = Config::from_env().expect("TABLE_NAME and ID_PEPPER");
    let built = aws_infra::wiring::build(&config).await.expect("wiring");
    if let Some(store) = &built.dynamo {
        store.ensure_table().await.expect("create the table");
    }
    if let Some(s3) = &built.s3 {
        fixtures::put_objects(s3, true)
            .await
            .expect("the fixture uploads' files");
    }
    let app = built.app;
    fixtures::seed(&app).await.expect("seed the fixtures");
    fresh_feedback_day(&app).await;
    let mut captchas = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, answer) = captcha(&app).await;
        captchas.push(json!([id, answer]));
    }
    json!({
        "captchas": captchas,
        "active": {
            "account": fixtures::ACTIVE_LEARNER,
            "password": fixtures::ACTIVE_PASSWORD,
            "token": fixtures::ACTIVE_TOKEN,
        },
        "mobile": {
            "account": fixtures::SETTINGS_MOBILE,
            "password": fixtures::ACTIVE_PASSWORD,
        },
        "failing": {"account": fixtures::RESET_LEARNER},
    })
}

/// The bench files its own tickets as 王芳 (the learner it logs in by mobile); the fixtures'
/// five of hers today (for the sample event of a sixth, 429) would refuse them: her day's count
/// starts again.
async fn fresh_feedback_day(app: &App) {
    use domain::store::{schema, Condition};
    let id = domain::values::id_number::IdNumber::parse(fixtures::SETTINGS_LEARNER, app.today())
        .expect("the fixture's ID number");
    let key = domain::account::learner::id_key(app, &id);
    let (day, _) = domain::uploads::china_day(app);
    app.store
        .delete(
            &schema::feedback_quota_pk(&key),
            &schema::day_sk(&day),
            Condition::None,
        )
        .await
        .expect("the bench learner's count of today's tickets");
}

/// `n` captchas (id, answer) in the table of the environment.
async fn captchas(n: usize) -> Value {
    let config = Config::from_env().expect("TABLE_NAME and ID_PEPPER");
    let app = aws_infra::wiring::build(&config).await.expect("wiring").app;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, answer) = captcha(&app).await;
        out.push(json!([id, answer]));
    }
    Value::Array(out)
}

/// `event` (a sample event's JSON) from client address number `i`, with `body` as its body
/// when given.
pub fn event(event: &str, i: usize, body: Option<&Value>) -> Value {
    let mut e: Value = serde_json::from_str(event).expect("a sample event");
    let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    e["requestContext"]["http"]["sourceIp"] = json!(ip);
    if e["headers"].get("x-forwarded-for").is_some() {
        e["headers"]["x-forwarded-for"] = json!(ip);
    }
    if let Some(body) = body {
        let text = body.to_string();
        e["headers"]["content-length"] = json!(text.len().to_string());
        e["body"] = json!(text);
    }
    e
}

/// `event` (a sample event's JSON: its token or its staff claims) sent to another route,
/// `method path` (no `{id}`, no query): the feedback routes are measured with the events of
/// other routes so.
fn as_route(event: &str, method: &str, path: &str) -> String {
    let mut e: Value = serde_json::from_str(event).expect("a sample event");
    let key = format!("{method} {path}");
    e["routeKey"] = json!(key);
    e["requestContext"]["routeKey"] = json!(key);
    e["rawPath"] = json!(path);
    e["requestContext"]["http"]["path"] = json!(path);
    e["requestContext"]["http"]["method"] = json!(method);
    e["rawQueryString"] = json!("");
    if let Some(e) = e.as_object_mut() {
        e.remove("queryStringParameters");
        e.remove("body");
    }
    if method != "GET" {
        e["headers"]["content-type"] = json!("application/json");
    }
    e.to_string()
}

/// Five tickets of the learner of `me.json` (陈晓明) to the demo school, filed through the
/// feedback function: the lists below read them.
async fn file_tickets(app: &Arc<App>) {
    let file = as_route(ME, "POST", "/feedback");
    for i in 0..5 {
        let body = json!({
            "institution": fixtures::SCHOOL, "category": "CONSULT",
            "title": format!("基准测试问题 {i}"),
            "content": "我登记的证书被退回，想了解需要补充哪些材料。",
        });
        let event = LambdaEvent::new(event(&file, 300_000 + i, Some(&body)), Context::default());
        let resp = http_edge::lambda::handle_event(fn_feedback::ROUTES, app.clone(), event).await;
        assert_eq!(resp.status_code, 201, "file a ticket: {:?}", resp.body);
    }
}

fn login_body(account: &str, password: &str, (id, answer): (String, u32)) -> Value {
    json!({"account": account, "password": password, "captchaId": id, "captchaAnswer": answer.to_string()})
}

/// Milliseconds at quantile `q` of sorted `times`.
fn quantile(times: &[f64], q: f64) -> f64 {
    let i = ((times.len() as f64 - 1.0) * q).round() as usize;
    times[i.min(times.len() - 1)]
}

/// One route's timing: `make` builds the `i`-th event (outside the clock), `after` runs after
/// each (outside the clock).
async fn time_route(
    app: &Arc<App>,
    routes: &'static [Route],
    name: &str,
    n: usize,
    want: u16,
    mut make: impl AsyncFnMut(usize) -> Value,
    mut after: impl FnMut(),
) -> Value {
    let mut times = Vec::with_capacity(n);
    let mut unexpected = 0;
    for i in 0..n {
        let payload = make(i).await;
        let event = LambdaEvent::new(payload, Context::default());
        let t = Instant::now();
        let resp = http_edge::lambda::handle_event(routes, app.clone(), event).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if resp.status_code != i64::from(want) {
            unexpected += 1;
        }
        after();
    }
    times.sort_by(f64::total_cmp);
    json!({
        "route": name,
        "n": n,
        "p50_ms": quantile(&times, 0.5),
        "p99_ms": quantile(&times, 0.99),
        "unexpected_status": unexpected,
    })
}

/// In-process latency of each measured route.
async fn latency(fast: usize, slow: usize) -> Value {
    let keys = Keys::new(PEPPER.as_bytes().to_vec()).expect("a long pepper");
    let built = aws_infra::wiring::build(&Config::in_memory(keys))
        .await
        .expect("wiring");
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = Arc::new(built.app.with_clock(clock.clone()));
    fixtures::seed(&app).await.expect("seed the fixtures");
    let (captcha_routes, login_routes, account_routes, registration_routes) = (
        fn_captcha::ROUTES,
        fn_login::ROUTES,
        fn_achievements::ROUTES,
        fn_registrations::ROUTES,
    );
    let conversion_routes = fn_conversions::ROUTES;
    let mut rows = Vec::new();
    // Reads first: the seeded session's idle window starts now, and the failing logins below
    // move the clock on by days.
    rows.push(
        time_route(
            &app,
            account_routes,
            "GET /me",
            fast,
            200,
            async |i| event(ME, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            account_routes,
            "GET /achievements",
            fast,
            200,
            async |i| event(ACHIEVEMENTS, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            registration_routes,
            "GET /achievement-registrations",
            fast,
            200,
            async |i| event(REGISTRATIONS, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            registration_routes,
            "GET /institution/achievement-registrations",
            fast,
            200,
            async |i| event(SCHOOL_QUEUE, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            conversion_routes,
            "GET /conversion-rules",
            fast,
            200,
            async |i| event(PUBLIC_RULES, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            conversion_routes,
            "GET /achievements/{id}/conversion-rules",
            fast,
            200,
            async |i| event(RULES_MET, i, None),
            || {},
        )
        .await,
    );
    // 问题反馈: the learner's list and the school's inbox, five tickets in each.
    file_tickets(&app).await;
    let (learner_list, school_inbox) = (
        as_route(ME, "GET", "/feedback"),
        as_route(SCHOOL_QUEUE, "GET", "/institution/feedback"),
    );
    rows.push(
        time_route(
            &app,
            fn_feedback::ROUTES,
            "GET /feedback",
            fast,
            200,
            async |i| event(&learner_list, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            fn_feedback::ROUTES,
            "GET /institution/feedback",
            fast,
            200,
            async |i| event(&school_inbox, i, None),
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            captcha_routes,
            "GET /captcha",
            fast,
            200,
            async |i| event(CAPTCHA, i, None),
            || {},
        )
        .await,
    );
    let a = app.clone();
    rows.push(
        time_route(
            &app,
            login_routes,
            "POST /login ok (ID number)",
            slow,
            200,
            async |i| {
                let body = login_body(
                    fixtures::ACTIVE_LEARNER,
                    fixtures::ACTIVE_PASSWORD,
                    captcha(&a).await,
                );
                event(LOGIN, i, Some(&body))
            },
            || {},
        )
        .await,
    );
    rows.push(
        time_route(
            &app,
            login_routes,
            "POST /login ok (mobile)",
            slow,
            200,
            async |i| {
                let body = login_body(
                    fixtures::SETTINGS_MOBILE,
                    fixtures::ACTIVE_PASSWORD,
                    captcha(&a).await,
                );
                event(LOGIN, 100_000 + i, Some(&body))
            },
            || {},
        )
        .await,
    );
    // A wrong password; the clock moves a day on after each, so the lockout never starts.
    rows.push(
        time_route(
            &app,
            login_routes,
            "POST /login failed",
            slow,
            401,
            async |i| {
                let body = login_body(
                    fixtures::RESET_LEARNER,
                    "Wrong-password-1",
                    captcha(&a).await,
                );
                event(LOGIN, 200_000 + i, Some(&body))
            },
            || clock.advance(chrono::Duration::days(1)),
        )
        .await,
    );
    json!({ "store": "memory", "routes": rows })
}

/// What a function's init does, step by step, timed once in this fresh process (run it several
/// times: the first call of each step is the cold-start cost). Microseconds, as JSON.
async fn init_steps() -> serde_json::Value {
    let mut steps = serde_json::Map::new();
    let mut at = std::time::Instant::now();
    let mut lap = |name: &str, steps: &mut serde_json::Map<String, serde_json::Value>| {
        let now = std::time::Instant::now();
        steps.insert(
            name.into(),
            (now.duration_since(at).as_micros() as u64).into(),
        );
        at = now;
    };
    http_edge::logging::init();
    lap("logging", &mut steps);
    let config = domain::app::config::Config::from_env().expect("configuration");
    lap("config", &mut steps);
    let _client = aws_infra::sdk::https_client();
    lap("https client", &mut steps);
    let sdk = aws_infra::sdk::config(&config.budgets).await;
    lap("sdk config (with its https client)", &mut steps);
    let _dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    lap("DynamoDB client", &mut steps);
    let _sns = aws_sdk_sns::Client::new(&sdk);
    lap("SNS client", &mut steps);
    if let domain::app::config::KeySource::Secret(secret) = &config.keys {
        aws_infra::secret::read_keys(&sdk, secret, config.budgets.operation)
            .await
            .expect("the pepper secret");
        lap("pepper secret (GetSecretValue, keys derived)", &mut steps);
    }
    serde_json::Value::Object(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_gets_its_own_address_and_body() {
        let e = event(LOGIN, 65_793, Some(&json!({"a": 1})));
        assert_eq!(e["requestContext"]["http"]["sourceIp"], "10.1.1.1");
        assert_eq!(e["headers"]["x-forwarded-for"], "10.1.1.1");
        assert_eq!(e["body"], r#"{"a":1}"#);
        assert_eq!(e["headers"]["content-length"], "7");
    }

    #[test]
    fn quantiles_pick_the_nearest_rank() {
        let t: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&t, 0.5), 51.0);
        assert_eq!(quantile(&t, 0.99), 99.0);
    }
}
