//! Amazon SNS as the SMS provider: `Publish` to a phone number, transactional.

use async_trait::async_trait;
use aws_sdk_sns::error::{DisplayErrorContext, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use domain::ports::sms::{SmsError, SmsSender};

#[derive(Clone, Debug)]
pub struct SnsSender {
    sdk: aws_config::SdkConfig,
    /// Built by the first send: most functions' requests send nothing (the captcha and
    /// achievements functions never do), so a cold start does not pay for an SNS client
    /// (≈ 0.2 ms, `perf-bench init-steps`); a send pays it once, next to SNS's own tens of ms.
    client: std::sync::OnceLock<aws_sdk_sns::Client>,
    sender_id: Option<String>,
}

impl SnsSender {
    pub fn new(sdk: &aws_config::SdkConfig, sender_id: Option<String>) -> Self {
        SnsSender {
            sdk: sdk.clone(),
            client: std::sync::OnceLock::new(),
            sender_id,
        }
    }

    fn client(&self) -> &aws_sdk_sns::Client {
        self.client
            .get_or_init(|| aws_sdk_sns::Client::new(&self.sdk))
    }
}

fn string_attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .expect("data type is set")
}

#[async_trait]
impl SmsSender for SnsSender {
    async fn send(&self, to: &str, text: &str) -> Result<(), SmsError> {
        let mut publish = self
            .client()
            .publish()
            .phone_number(to)
            .message(text)
            .message_attributes("AWS.SNS.SMS.SMSType", string_attribute("Transactional"));
        if let Some(id) = &self.sender_id {
            publish = publish.message_attributes("AWS.SNS.SMS.SenderID", string_attribute(id));
        }
        publish.send().await.map(|_| ()).map_err(|e| {
            let text = DisplayErrorContext(&e).to_string();
            match e {
                // SNS answered and refused the message: it was not sent.
                SdkError::ServiceError(_) => SmsError::Refused(text),
                // No answer (dispatch failure, timeout, unreadable response): it may have been.
                _ => SmsError::Unknown(text),
            }
        })
    }
}
