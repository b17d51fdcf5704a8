http_edge::lambda_main!(fn_captcha::ROUTES);
