//! `cargo run -p devserver --bin seed-events`: puts into the table `TABLE_NAME` (on moto when
//! `AWS_ENDPOINT_URL` is set, else in the AWS account of the usual credentials) what the sample
//! events of `events/` refer to (see `devserver::fixtures`), so that each event answers as
//! `events/expected.json` declares when invoked through its function.
//!
//! `ID_PEPPER` must be the functions' (the learners' keys and the SMS code's hash depend on it).
//! The table is emptied first, and only if every learner in it is a fixture learner (one the
//! import events of `events/` name): a table that holds any other learner is refused, untouched.
//! With `AWS_ENDPOINT_URL` set, a missing table is created.
//!
//! With `UPLOAD_BUCKET` set (the registrations function's bucket), the objects of the fixture
//! uploads (what their forms stored) are put there, the bucket created first on an emulator;
//! without it, the registration events that read or check files answer 503 through the binaries.

use domain::app::config::Config;
use domain::store::Condition;

#[tokio::main]
async fn main() {
    if std::env::args().len() > 1 {
        eprintln!(
            "usage: TABLE_NAME=… ID_PEPPER=… [AWS_ENDPOINT_URL=…] seed-events\n\
             Empties a table that holds only fixture learners and seeds what events/ refers to."
        );
        std::process::exit(2);
    }
    if let Err(e) = run().await {
        eprintln!("seed-events: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let built = aws_infra::wiring::build(&config)
        .await
        .map_err(|e| e.to_string())?;
    let store = built
        .dynamo
        .expect("Config::from_env names a DynamoDB table");
    let table = store.table().to_string();
    let emulated = std::env::var("AWS_ENDPOINT_URL").is_ok_and(|v| !v.is_empty());
    if emulated {
        store
            .ensure_table()
            .await
            .map_err(|e| format!("create table {table}: {e}"))?;
    }
    let app = built.app;
    let files = match &built.s3 {
        Some(s3) => {
            let n = devserver::fixtures::put_objects(s3, emulated).await?;
            format!("{n} evidence files in bucket {}", s3.bucket())
        }
        None => "no UPLOAD_BUCKET: no evidence files (the registration events that need them \
                 answer 503)"
            .to_string(),
    };

    // Every key in the table, and the learners among them.
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut start = None;
    loop {
        let page = store
            .client()
            .scan()
            .table_name(&table)
            .projection_expression("PK, SK")
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "scan {table}: {}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(e)
                )
            })?;
        for item in page.items() {
            let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
            if let (Some(pk), Some(sk)) = (s("PK"), s("SK")) {
                keys.push((pk, sk));
            }
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    let allowed = devserver::fixtures::fixture_learner_pks(&app);
    let others: Vec<&String> = keys
        .iter()
        .filter(|(pk, sk)| sk == domain::store::schema::PROFILE_SK && !allowed.contains(pk))
        .map(|(pk, _)| pk)
        .collect();
    if !others.is_empty() {
        return Err(format!(
            "table {table} holds {} learner(s) that are not fixtures (e.g. {}…): refusing to \
             touch it. Seed an empty table, or one seeded before with the same ID_PEPPER.",
            others.len(),
            &others[0][..others[0].len().min(20)]
        ));
    }
    let emptied = keys.len();
    for (pk, sk) in keys {
        app.store
            .delete(&pk, &sk, Condition::None)
            .await
            .map_err(|e| format!("empty {table}: {e}"))?;
    }
    let seeded = devserver::fixtures::seed(&app)
        .await
        .map_err(|e| format!("seed {table}: {e}"))?;
    let until = chrono::DateTime::from_timestamp(seeded.valid_until, 0)
        .map(|t| t.format("%H:%M:%S UTC").to_string())
        .unwrap_or_default();
    println!(
        "seed-events: table {table}: {emptied} old items removed; demo roll loaded ({} learners, \
         {} achievements created); {} captchas, {} sessions and {} SMS codes valid until {until} \
         (30 minutes: seed again for more); {} registrations; {} conversion rules and {} \
         applications; {files}",
        seeded.learners_created,
        seeded.achievements_created,
        devserver::fixtures::CAPTCHAS.len(),
        devserver::fixtures::SESSIONS.len(),
        devserver::fixtures::SMS_CODES.len(),
        devserver::fixtures::REGISTRATIONS.len(),
        devserver::fixtures::RULES.len() + 1,
        devserver::fixtures::APPLICATIONS.len(),
    );
    Ok(())
}
