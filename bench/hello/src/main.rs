//! A hello-world `lambda_http` 1.x function: the baseline the benchmark (`scripts/bench.sh`)
//! compares the service's init time, first invocation, peak RSS and zip size against.

use lambda_http::{run, service_fn, Body, Error, Request, Response};

async fn hello(_request: Request) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body(Body::from("hello"))?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(hello)).await
}
