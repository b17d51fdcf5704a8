//! Amazon SNS as the SMS provider: `Publish` to a phone number, transactional.

use async_trait::async_trait;
use aws_sdk_sns::error::{DisplayErrorContext, SdkError};
use aws_sdk_sns::types::MessageAttributeValue;
use domain::sms::{SmsError, SmsSender};

#[derive(Clone, Debug)]
pub struct SnsSender {
    client: aws_sdk_sns::Client,
    sender_id: Option<String>,
}

impl SnsSender {
    pub fn new(client: aws_sdk_sns::Client, sender_id: Option<String>) -> Self {
        SnsSender { client, sender_id }
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
            .client
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
