http_edge::lambda_main!(fn_achievements::ROUTES, fn_achievements::KEYS);
