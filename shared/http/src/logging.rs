//! Structured JSON logs through `tracing`, one line per event, for CloudWatch. The Lambdas, the
//! dev server and the log-secrecy test all install this one format.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs the JSON subscriber on standard output (level from `RUST_LOG`, default `info`).
/// Call once in `main`.
pub fn init() {
    init_with_writer(std::io::stdout);
}

/// [`init`] writing to `writer` (the log-secrecy test captures the lines).
pub fn init_with_writer<W>(writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        // CloudWatch stamps every line itself.
        .without_time()
        .with_writer(writer)
        .try_init();
}
