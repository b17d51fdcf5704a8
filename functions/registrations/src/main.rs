http_edge::lambda_main!(fn_registrations::ROUTES, fn_registrations::KEYS);
