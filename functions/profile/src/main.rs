shared::http_lambda_main!(fn_profile::handle);
