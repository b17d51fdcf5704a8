//! Login timing by outcome: how long a wrong password, an unknown account, an invalid ID number and
//! a success take (in-memory store, so Argon2 dominates). Prints medians; asserts nothing.
//!
//!     scripts/bench.sh --example login_timing
//!     cargo run --release -p perf-bench --example login_timing

use integration_tests::{Backend, TestApp, DEMO_ID, DEMO_PASSWORD};
use std::time::Instant;

const ROUNDS: usize = 41;

async fn median_ms(app: &TestApp, account: &str, password: &str, expect: u16) -> f64 {
    let mut times = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let (id, answer) = app.captcha().await;
        let body = serde_json::json!({"account": account, "password": password, "captchaId": id, "captchaAnswer": answer});
        let t = Instant::now();
        let r = app.post("/login", body, None).await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.status, expect, "{:?}", r.body);
        // Stay clear of the lockout: failures are forgotten after a day.
        app.advance(24 * 3600);
    }
    times.sort_by(f64::total_cmp);
    times[ROUNDS / 2]
}

#[tokio::main]
async fn main() {
    let app = TestApp::spawn(Backend::Memory).await.unwrap();
    let rows = [
        ("success (initial password)", DEMO_ID, DEMO_PASSWORD, 200),
        ("wrong password", DEMO_ID, "000000", 401),
        ("unknown account", "330106199808151233", "151233", 401),
        ("invalid ID number", "440883200305125052", "125052", 401),
        ("not an account at all", "hello", "world", 401),
    ];
    println!("median of {ROUNDS} logins each (release build, in-memory store):");
    for (label, account, password, status) in rows {
        let ms = median_ms(&app, account, password, status).await;
        println!("  {label:<28} {ms:>7.2} ms");
    }
}
