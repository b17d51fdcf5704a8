shared::http_lambda_main!(fn_achievements::handle);
