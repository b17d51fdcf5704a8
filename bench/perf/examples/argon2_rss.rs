//! Peak memory and time of 50 Argon2id password verifications, as a login Lambda does them (on
//! tokio's blocking pool), with the `argon2` crate's plain API (a fresh 19 MiB block per
//! verification: the code before the pool) and with `domain::security::password` (pooled working memory).
//!
//! Each variant runs in its own child process, so each peak (`VmHWM` in `/proc/self/status`) is
//! its own:
//!
//! ```sh
//! scripts/bench.sh --example argon2_rss
//! # the same: nice cargo run --release -p perf-bench --example argon2_rss
//! ```
//!
//! "one at a time" is a Lambda (one request per process at a time); "4 at a time" is the dev
//! server under concurrent logins, where every concurrent verification needs its own block.

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::security::password::{self, DUMMY_HASH};
use domain::values::secret::SecretString;
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 50;

/// The code before the pool: `verify_async` with the plain `PasswordVerifier`.
async fn plain_verify(password: String, phc: &'static str) -> bool {
    tokio::task::spawn_blocking(move || {
        let params = Params::new(
            password::MEMORY_KIB,
            password::ITERATIONS,
            password::PARALLELISM,
            None,
        )
        .unwrap();
        let parsed = PasswordHash::new(phc).unwrap();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap()
}

async fn one(variant: &str) -> Duration {
    // The dummy hash costs exactly what a real one does; no password matches it.
    let start = Instant::now();
    let ok = match variant {
        "plain" => plain_verify("wrong password".into(), DUMMY_HASH).await,
        "pooled" => {
            password::verify_async(
                SecretString::from("wrong password".to_string()),
                Some(DUMMY_HASH.to_string()),
            )
            .await
        }
        _ => unreachable!(),
    };
    assert!(!ok);
    start.elapsed()
}

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs in the child: `RUNS` verifications, `concurrency` at a time; prints
/// `peak_kib end_kib mean_ms wall_ms`.
fn child(variant: &str, concurrency: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (times, wall) = rt.block_on(async {
        let start = Instant::now();
        let mut times = Vec::new();
        while times.len() < RUNS {
            let batch = (0..concurrency.min(RUNS - times.len())).map(|_| one(variant));
            times.extend(futures::future::join_all(batch).await);
        }
        (times, start.elapsed())
    });
    let mean = times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len() as f64;
    println!(
        "{} {} {:.1} {:.0}",
        status_kib("VmHWM:"),
        status_kib("VmRSS:"),
        mean * 1e3,
        wall.as_secs_f64() * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, variant, concurrency] = args.as_slice() {
        if flag == "--child" {
            return child(variant, concurrency.parse().unwrap());
        }
    }
    let exe = std::env::current_exe().unwrap();
    println!("Argon2id m=19456 KiB t=2 p=1, verifications on tokio's blocking pool");
    println!(
        "{:<26} {:>6} {:>12} {:>12} {:>14} {:>9}",
        "variant", "verifs", "peak RSS MB", "end RSS MB", "mean/verify ms", "wall ms"
    );
    for concurrency in [1, 4] {
        for variant in ["plain", "pooled"] {
            let out = Command::new(&exe)
                .args(["--child", variant, &concurrency.to_string()])
                .output()
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            let line = String::from_utf8(out.stdout).unwrap();
            let f: Vec<f64> = line
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect();
            let label = format!(
                "{variant}, {}",
                if concurrency == 1 {
                    "one at a time".to_string()
                } else {
                    format!("{concurrency} at a time")
                }
            );
            println!(
                "{label:<26} {RUNS:>6} {:>12.1} {:>12.1} {:>14.1} {:>9.0}",
                f[0] / 1024.0,
                f[1] / 1024.0,
                f[2],
                f[3]
            );
        }
    }
}
