http_edge::lambda_main!(fn_profile::ROUTES);
