//! Notices after credential changes: a short SMS with no code, link or secret ("your password
//! was changed; if it was not you, contact your school"). Best effort: a notice that cannot go
//! out is logged, never an error of the change it reports. Notices have their own daily cap per
//! number and never touch the learner's code quotas.

use crate::account::learner;
use crate::app::App;
use crate::limits::quota::{Limit, Rule, Sent};
use crate::sms_code::{release, reserve};
use crate::store::schema;
use crate::values::mobile::Mobile;

/// Per number: ten notices a day.
pub const PER_NUMBER: Rule = Rule {
    cooldown: 0,
    limits: &[Limit {
        max: 10,
        window: 86_400,
    }],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// After a password reset or change, to the bound number.
    PasswordChanged,
    /// After a mobile change, to the old number.
    MobileChanged,
    /// When too many failed password resets stop an account's resets for a day, to its number.
    ResetsStopped,
}

impl Notice {
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::PasswordChanged => "PASSWORD_CHANGED",
            Notice::MobileChanged => "MOBILE_CHANGED",
            Notice::ResetsStopped => "RESETS_STOPPED",
        }
    }
}

/// Sends `notice` to `mobile` unless the number had its notices for the day.
pub async fn send(app: &App, mobile: &Mobile, notice: Notice) {
    let keys = [(
        schema::quota_notice_pk(&learner::mobile_key(app, mobile)),
        PER_NUMBER,
    )];
    let sent = Sent {
        at: app.now_unix(),
        id: app.rng().hex(8),
    };
    if let Err(e) = reserve(app, &keys, &sent, None).await {
        tracing::warn!(mobile = %mobile.masked(), notice = notice.as_str(), error = %e, "notice not sent (daily cap or storage)");
        return;
    }
    let template = match notice {
        Notice::PasswordChanged => &app.sms_config.password_notice,
        Notice::MobileChanged => &app.sms_config.mobile_notice,
        Notice::ResetsStopped => &app.sms_config.reset_notice,
    };
    let text = app.sms_config.notice_text(template);
    match app.sms.send(&mobile.e164(), &text).await {
        Ok(()) => {
            tracing::info!(mobile = %mobile.masked(), notice = notice.as_str(), "notice sent")
        }
        Err(e) => {
            tracing::warn!(mobile = %mobile.masked(), notice = notice.as_str(), error = %e, "notice not sent");
            if e.is_refused() {
                if let Err(e) = release(app, &keys, &sent.id).await {
                    tracing::warn!(error = %e, "notice quota not released");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::config::SmsConfig;
    use crate::ports::sms::Outbox;
    use crate::security::crypto::Keys;
    use crate::sms_code::{self, Purpose, SendCodeCommand};
    use crate::store::memory::MemoryStore;
    use std::sync::Arc;

    #[tokio::test]
    async fn notices_have_their_own_daily_cap_and_leave_the_code_quota_alone() {
        let outbox = Arc::new(Outbox::new(false));
        let app = App::new(
            Arc::new(MemoryStore::new()),
            outbox.clone(),
            SmsConfig::default(),
            Keys::new(vec![3u8; 32]).unwrap(),
        );
        let mobile = Mobile::parse("13800138000").unwrap();
        for _ in 0..12 {
            send(&app, &mobile, Notice::PasswordChanged).await;
        }
        let texts = outbox.messages_to(&mobile.e164());
        assert_eq!(texts.len(), 10, "ten a day");
        assert!(texts.iter().all(|m| m.text
            == "【学分银行】您的学分银行账户密码已修改。如非本人操作，请立即联系所属院校。"));
        // No code quota was touched: the number's send log does not exist, a code goes out.
        let purpose = Purpose::BindMobile.as_str();
        let log = schema::quota_mobile_pk(purpose, &learner::mobile_key(&app, &mobile));
        assert!(app
            .store
            .get(&log, schema::QUOTA_SK)
            .await
            .unwrap()
            .is_none());
        sms_code::send_code(
            &app,
            "learner",
            SendCodeCommand {
                mobile: mobile.clone(),
                purpose: Purpose::BindMobile,
            },
            "192.0.2.1",
        )
        .await
        .unwrap();
        // A refused notice gives its place back.
        let other = Mobile::parse("13900139000").unwrap();
        outbox.set_failing(true);
        send(&app, &other, Notice::MobileChanged).await;
        outbox.set_failing(false);
        let notices = schema::quota_notice_pk(&learner::mobile_key(&app, &other));
        let item = app.store.get(&notices, schema::QUOTA_SK).await.unwrap();
        assert!(item.is_none_or(|i| i.data["sends"].as_array().unwrap().is_empty()));
    }
}
