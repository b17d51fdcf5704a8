//! A mobile number is bound to at most one learner: its claim item (`MOBILE#<key>`, naming the
//! learner) is written in the same transaction that sets the number on the learner, and the old
//! number's claim is released there too. First-login profiles and `PUT /mobile` bind this way.

use crate::account::learner::{self, Learner, MobileClaim};
use crate::app::App;
use crate::error::DomainError;
use crate::sms_code::VerifiedCode;
use crate::store::{Condition, Item, WriteOp};
use crate::values::mobile::Mobile;

/// The claim of a number as read before binding it to a learner.
pub(crate) struct Binding {
    learner: String,
    mobile_key: String,
    claim: Option<Item>,
}

impl Binding {
    /// Reads the claim of `mobile_key` for the learner `learner_key`: `MOBILE_TAKEN` when another
    /// learner holds it.
    pub(crate) async fn read(
        app: &App,
        learner_key: &str,
        mobile_key: &str,
    ) -> Result<Binding, DomainError> {
        let claim = app
            .store
            .get(&learner::mobile_pk(mobile_key), learner::MOBILE_SK)
            .await?;
        let binding = Binding {
            learner: learner_key.to_string(),
            mobile_key: mobile_key.to_string(),
            claim,
        };
        binding.held_by_other()?;
        Ok(binding)
    }

    fn held_by_other(&self) -> Result<(), DomainError> {
        if let Some(c) = &self.claim {
            let holder: MobileClaim = c.parse()?;
            if holder.learner != self.learner {
                return Err(DomainError::MobileTaken);
            }
        }
        Ok(())
    }

    /// `learner` with the number set on it (the caller adds its own other changes).
    pub(crate) fn bind(&self, learner: &Learner, mobile: &Mobile) -> Learner {
        let mut next = learner.clone();
        next.mobile_key = Some(self.mobile_key.clone());
        next.mobile_masked = Some(mobile.masked());
        next.mobile = Some(mobile.digits().to_string());
        next
    }

    /// The ops beside the learner's own write: the claim taken if it was free, the previous
    /// number's claim (of `before`, the learner as read) released if it was another.
    pub(crate) fn ops(&self, before: &Learner) -> Vec<WriteOp> {
        let mut ops = Vec::with_capacity(2);
        if self.claim.is_none() {
            let data = MobileClaim {
                learner: self.learner.clone(),
            };
            ops.push(WriteOp::Put {
                item: Item::new(
                    learner::mobile_pk(&self.mobile_key),
                    learner::MOBILE_SK,
                    &data,
                ),
                condition: Condition::NotExists,
            });
        }
        if let Some(old) = before
            .mobile_key
            .as_deref()
            .filter(|old| *old != self.mobile_key)
        {
            ops.push(WriteOp::Delete {
                pk: learner::mobile_pk(old),
                sk: learner::MOBILE_SK.into(),
                condition: Condition::None,
            });
        }
        ops
    }

    /// After the binding transaction lost a race: which condition failed decides the answer (the
    /// number taken meanwhile, the code used or replaced), re-read because not every emulator
    /// says which; `Ok` means try again.
    pub(crate) async fn after_lost_race(
        &self,
        app: &App,
        code: Option<&VerifiedCode>,
    ) -> Result<(), DomainError> {
        Binding::read(app, &self.learner, &self.mobile_key).await?;
        if let Some(code) = code {
            if !code.still_valid(app).await? {
                return Err(DomainError::SmsCodeInvalid);
            }
        }
        Ok(())
    }
}
