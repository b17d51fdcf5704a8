shared::http_lambda_main!(fn_login::handle);
