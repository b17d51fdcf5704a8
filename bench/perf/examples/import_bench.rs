//! Import benchmark: 10,000 learners with 30,000 achievements, sent as several events under
//! Lambda's 6 MB limit, against the in-memory store and (when `AWS_ENDPOINT_URL` is set, as after
//! `source scripts/moto.sh`) DynamoDB on moto. Prints records per second; asserts nothing.
//!
//!     scripts/bench.sh --example import_bench [LEARNERS [MOTO_LEARNERS]]
//!     cargo run --release -p perf-bench --example import_bench [-- LEARNERS [MOTO_LEARNERS]]
//!
//! moto is run on a smaller roll (default 300 learners): its transactions deep-copy the whole table
//! once per item they write, so each costs time and memory in proportion to all the data held (the full
//! roll exhausted 22 GB). Its numbers measure the emulator, not DynamoDB.

use chrono::{Duration, NaiveDate};
use domain::app::config::{Config, StoreChoice};
use domain::security::crypto::Keys;
use domain::App;
use serde_json::{json, Value};
use std::time::Instant;

const LAMBDA_SYNC_LIMIT: usize = 6 * 1024 * 1024;

fn id_number(i: usize) -> String {
    let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap() + Duration::days((i / 900) as i64);
    let body = format!("110105{}{:03}", birth.format("%Y%m%d"), i % 900 + 100);
    let check = domain::values::id_number::check_char(body.as_bytes()) as char;
    format!("{body}{check}")
}

/// Events of `per_event` learners each, three achievements a learner.
fn events(learners: usize, per_event: usize) -> Vec<Value> {
    (0..learners)
        .collect::<Vec<_>>()
        .chunks(per_event)
        .map(|chunk| {
            let ls: Vec<Value> = chunk.iter().map(|i| json!({"idNumber": id_number(*i), "name": format!("学员{i}")})).collect();
            let achs: Vec<Value> = chunk
                .iter()
                .flat_map(|i| {
                    (0..3).map(move |k| {
                        json!({"externalId": format!("B-{i}-{k}"), "idNumber": id_number(*i), "name": format!("职业技能等级证书 {k}"),
                               "type": "NON_ACADEMIC", "subtype": "X_CERTIFICATE", "issuer": "基准测试颁证机构",
                               "credits": if k == 2 { json!(0.5) } else { json!(2) }, "points": 100, "source": if k == 1 { "converted" } else { "personal" },
                               "obtainedAt": "2024-06-30"})
                    })
                })
                .collect();
            json!({"institution": {"code": "BENCH", "name": "基准测试院校"}, "learners": ls, "achievements": achs})
        })
        .collect()
}

async fn run(label: &str, app: &App, events: &[Value]) {
    let started = Instant::now();
    let (mut learners, mut achievements) = (0, 0);
    for (n, event) in events.iter().enumerate() {
        let t = Instant::now();
        let r = fn_import::handle(app, event.clone()).await.expect("import");
        assert!(
            r.errors.is_empty(),
            "{:?}",
            &r.errors[..r.errors.len().min(3)]
        );
        let records = r.learners_created + r.achievements_created;
        learners += r.learners_created;
        achievements += r.achievements_created;
        println!(
            "{label:>7} event {:>2}: {:>5} learners + {:>5} achievements in {:>6.2} s = {:>7.0} records/s",
            n + 1,
            r.learners_created,
            r.achievements_created,
            t.elapsed().as_secs_f64(),
            records as f64 / t.elapsed().as_secs_f64()
        );
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{label:>7} total:    {learners} learners + {achievements} achievements in {secs:.2} s = {:.0} records/s",
        (learners + achievements) as f64 / secs
    );
}

#[tokio::main]
async fn main() {
    let arg = |n: usize, default: usize| {
        std::env::args()
            .nth(n)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (learners, moto_learners) = (arg(1, 10_000), arg(2, 300));
    let per_event = 5_000;
    let events = events(learners, per_event);
    let biggest = events
        .iter()
        .map(|e| e.to_string().len())
        .max()
        .unwrap_or(0);
    assert!(
        biggest < LAMBDA_SYNC_LIMIT,
        "an event of {biggest} bytes is over Lambda's limit"
    );
    println!(
        "{} learners, {} achievements in {} events (largest {:.2} MB, limit 6 MB)",
        learners,
        learners * 3,
        events.len(),
        biggest as f64 / 1e6
    );
    let keys = Keys::new(b"benchmark-pepper-0123456789abcdef0123".to_vec()).unwrap();

    let mut config = Config::in_memory(keys);
    let memory = aws_infra::wiring::build(&config).await.expect("wiring").app;
    run("memory", &memory, &events).await;

    if std::env::var("AWS_ENDPOINT_URL").is_ok_and(|v| !v.is_empty()) {
        config.store = StoreChoice::DynamoDb {
            table: format!("bench-{}", std::process::id()),
        };
        let built = aws_infra::wiring::build(&config).await.expect("wiring");
        built
            .dynamo
            .as_ref()
            .expect("a DynamoDB store")
            .ensure_table()
            .await
            .expect("create the benchmark table");
        println!(
            "{moto_learners} learners, {} achievements on moto:",
            moto_learners * 3
        );
        run("moto", &built.app, &self::events(moto_learners, per_event)).await;
    } else {
        println!("   moto: skipped (source scripts/moto.sh first to include it)");
    }
}
