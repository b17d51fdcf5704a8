http_edge::lambda_main!(fn_sms::ROUTES, fn_sms::KEYS);
