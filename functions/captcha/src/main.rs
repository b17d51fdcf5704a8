shared::http_lambda_main!(fn_captcha::handle);
