http_edge::lambda_main!(fn_login::ROUTES, fn_login::KEYS);
