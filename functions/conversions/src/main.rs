http_edge::lambda_main!(fn_conversions::ROUTES, fn_conversions::KEYS);
