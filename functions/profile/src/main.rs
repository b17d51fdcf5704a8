http_edge::lambda_main!(fn_profile::ROUTES, fn_profile::KEYS);
