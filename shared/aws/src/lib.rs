//! The AWS side of the domain's ports: [`dynamo::DynamoStore`] (the `Store` on one DynamoDB
//! table), [`sns::SnsSender`] (the `SmsSender` on Amazon SNS), [`s3::S3Files`] (the `FileStore` on one S3
//! bucket), the SDK configuration ([`sdk`]),
//! the pepper from Secrets Manager ([`secret`]), and [`wiring::build`], the one place an `App`
//! is assembled from `Config`.

pub mod dynamo;
pub mod s3;
pub mod sdk;
pub mod secret;
pub mod sns;
pub mod wiring;
