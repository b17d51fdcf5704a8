http_edge::lambda_main!(fn_feedback::ROUTES, fn_feedback::KEYS);
