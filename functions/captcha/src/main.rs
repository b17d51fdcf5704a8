http_edge::lambda_main!(fn_captcha::ROUTES, fn_captcha::KEYS);
