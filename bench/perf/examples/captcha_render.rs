//! Renders 1000 captcha images in process and prints the time per `render_png` (p50, p99, mean)
//! and how many times the renderer asked the OS generator for randomness per image (each ask is
//! one `getrandom` syscall with `OsRandom`).
//!
//! ```sh
//! scripts/bench.sh --example captcha_render
//! # the same: nice cargo run --release -p perf-bench --example captcha_render
//! # the syscalls themselves, counted by the kernel's side:
//! strace -c -f -e trace=getrandom target/release/examples/captcha_render
//! ```

use domain::captcha::image::render_png;
use domain::ports::random::{OsRandom, Random};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// [`OsRandom`], counting its calls.
#[derive(Default)]
struct Counting {
    calls: AtomicU64,
}

impl Random for Counting {
    fn fill(&self, buf: &mut [u8]) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        OsRandom.fill(buf);
    }
}

/// The time this thread has run on a CPU, in nanoseconds (Linux).
fn on_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

const TEXTS: [&str; 4] = ["9+8=?", "7-3=?", "4×5=?", "12+9=?"];

fn main() {
    let rng = Counting::default();
    // Warm up: page in the code and the allocator.
    for i in 0..50 {
        std::hint::black_box(render_png(TEXTS[i % TEXTS.len()], &rng));
    }
    rng.calls.store(0, Ordering::Relaxed);

    const N: usize = 1000;
    let mut times = Vec::with_capacity(N);
    let mut bytes = 0;
    let cpu_start = on_cpu_ns();
    for i in 0..N {
        let start = Instant::now();
        let png = render_png(TEXTS[i % TEXTS.len()], &rng);
        times.push(start.elapsed());
        bytes += png.len();
    }
    let cpu = on_cpu_ns().zip(cpu_start).map(|(end, start)| end - start);
    times.sort();
    let pct = |p: usize| times[(N * p / 100).min(N - 1)].as_secs_f64() * 1e3;
    let mean = times.iter().map(|t| t.as_secs_f64()).sum::<f64>() / N as f64 * 1e3;
    println!("render_png x{N} (release, one thread, warm)");
    println!("  p50            {:.3} ms", pct(50));
    println!("  p99            {:.3} ms", pct(99));
    println!("  mean           {mean:.3} ms");
    if let Some(cpu) = cpu {
        // Wall-clock percentiles include time the thread waited for a core on a busy machine;
        // this does not.
        println!(
            "  on-CPU mean    {:.3} ms (this thread's run time, /proc/thread-self/schedstat)",
            cpu as f64 / N as f64 / 1e6
        );
    }
    println!(
        "  OS draws       {:.1} per image (one getrandom syscall each)",
        rng.calls.load(Ordering::Relaxed) as f64 / N as f64
    );
    println!("  PNG size       {} bytes on average", bytes / N);
}
