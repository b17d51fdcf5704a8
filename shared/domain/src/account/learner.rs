//! Learners: the account record, keyed by a keyed hash of the ID number (never the clear number).

use crate::app::App;
use crate::error::DomainError;
use crate::store::{read_modify_write, Decision, Item};
use crate::values::id_number::IdNumber;
use crate::values::mobile::Mobile;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use crate::store::schema::{learner_pk as pk, mobile_pk, MOBILE_SK, PROFILE_SK};

pub fn id_key(app: &App, id: &IdNumber) -> String {
    app.keys.identity("id", id.expose())
}

pub fn mobile_key(app: &App, mobile: &Mobile) -> String {
    app.keys.identity("mobile", mobile.digits())
}

/// A keyed digest of a six-character string, to recognise the ID number's last six inside a new
/// password without storing them.
pub fn last_six_digest(app: &App, six: &str) -> String {
    app.keys.identity("id-last-six", six)
}

/// A school as the learner record keeps it: its code and its name as its last import gave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Learner {
    pub id_key: String,
    pub id_masked: String,
    pub last_six_digest: String,
    pub name: String,
    /// 学银卡ID: 12 lower-case hex digits.
    pub card_id: String,
    /// `None` while the learner still has the initial password.
    pub password_hash: Option<String>,
    pub profile_completed: bool,
    pub id_type: String,
    pub id_valid_from: Option<NaiveDate>,
    pub id_valid_to: Option<NaiveDate>,
    pub id_long_term: bool,
    pub mobile_key: Option<String>,
    pub mobile_masked: Option<String>,
    /// The bound number's 11 digits, to send reset codes and notices to (learners who bound
    /// their number before this field existed have none until they change it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// The number the school gave at import, as a keyed hash: while it is set, the first login
    /// binds only that number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_mobile_key: Option<String>,
    /// The schools that imported the learner (每个导入该学习者的院校): registrations go to one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub institutions: Vec<School>,
    /// When a school last imported the learner (the initial password works for a while after).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imported_at: Option<i64>,
    /// Bumped by every password or number change: sessions made before it stop working.
    pub cred_version: u64,
    /// Totals over the learner's achievements; credits in tenths (exact decimals).
    #[serde(default)]
    pub total_credit_tenths: i64,
    #[serde(default)]
    pub total_points: i64,
    #[serde(default)]
    pub personal_count: u64,
    #[serde(default)]
    pub converted_count: u64,
    /// Registrations awaiting a school (pending or returned): at most
    /// [`crate::registrations::MAX_OPEN`].
    #[serde(default)]
    pub open_registrations: u64,
    /// Conversion applications awaiting a school: at most [`crate::conversions::MAX_OPEN`].
    #[serde(default)]
    pub open_conversions: u64,
    pub created_at: i64,
}

impl Learner {
    pub fn password_change_required(&self) -> bool {
        self.password_hash.is_none()
    }

    /// Checks a new password against the policy (for this learner and the number
    /// `mobile_digits`) and hashes it.
    pub(crate) async fn hash_new_password(
        &self,
        app: &App,
        pw: crate::values::secret::SecretString,
        mobile_digits: Option<&str>,
    ) -> Result<String, DomainError> {
        use crate::values::secret::ExposeSecret;
        crate::security::password_policy::check(
            pw.expose_secret(),
            |six| last_six_digest(app, six) == self.last_six_digest,
            mobile_digits,
        )
        .map_err(DomainError::PasswordWeak)?;
        Ok(crate::security::password::hash_async(pw, app.rng()).await)
    }

    /// Whether the first login may bind the number `mobile_key`: any number, unless the school
    /// gave one.
    pub fn may_bind(&self, mobile_key: &str) -> bool {
        self.expected_mobile_key
            .as_deref()
            .is_none_or(|expected| expected == mobile_key)
    }

    /// Whether the initial password no longer works: the learner still has it and was last
    /// imported more than the configured days ago (records from before imports were dated count
    /// from their creation).
    pub fn initial_password_expired(&self, app: &App) -> bool {
        let since = self.imported_at.unwrap_or(self.created_at);
        self.password_change_required()
            && app.now_unix() - since > app.accounts.initial_password_days * 86_400
    }

    /// The learner as logs and audit entries name them: the ID number's first four characters
    /// only (none of the last six, the initial password).
    pub fn log_id(&self) -> String {
        crate::values::id_number::log_mask(&self.id_masked)
    }

    /// Complete enough to use the system: information filled in and own password set.
    pub fn is_active(&self) -> bool {
        self.profile_completed && !self.password_change_required()
    }

    /// A new learner with the initial password (no hash computed: it is checked from the account
    /// as typed) and a random card ID.
    pub fn new(app: &App, id: &IdNumber, name: &str) -> Learner {
        Learner {
            id_key: id_key(app, id),
            id_masked: id.masked(),
            last_six_digest: last_six_digest(app, id.last_six()),
            name: name.to_string(),
            card_id: app.rng().hex(6),
            password_hash: None,
            profile_completed: false,
            id_type: "RESIDENT_ID_CARD".into(),
            id_valid_from: None,
            id_valid_to: None,
            id_long_term: false,
            mobile_key: None,
            mobile_masked: None,
            mobile: None,
            expected_mobile_key: None,
            institutions: Vec::new(),
            imported_at: Some(app.now_unix()),
            cred_version: 1,
            total_credit_tenths: 0,
            total_points: 0,
            personal_count: 0,
            converted_count: 0,
            open_registrations: 0,
            open_conversions: 0,
            created_at: app.now_unix(),
        }
    }

    /// Whether `code` is one of the learner's schools.
    pub fn belongs_to(&self, code: &str) -> bool {
        self.institutions.iter().any(|s| s.code == code)
    }

    /// Adds `school`, or renames it when the learner has it already.
    pub fn join(&mut self, school: &School) {
        match self.institutions.iter_mut().find(|s| s.code == school.code) {
            Some(known) => known.name.clone_from(&school.name),
            None => self.institutions.push(school.clone()),
        }
    }

    pub fn item(&self) -> Item {
        Item::new(pk(&self.id_key), PROFILE_SK, self)
    }
}

/// A learner as stored, with the item (and so the version) it was read from.
#[derive(Clone, Debug)]
pub struct Stored {
    pub learner: Learner,
    pub item: Item,
}

impl Stored {
    pub fn from_item(item: Item) -> Result<Stored, DomainError> {
        Ok(Stored {
            learner: item.parse()?,
            item,
        })
    }

    /// The item replacing this one with `learner`'s data, for a conditional write.
    pub fn replaced_by(&self, learner: &Learner) -> Item {
        self.item.next(learner)
    }
}

impl Learner {
    /// The bound number, where it is known.
    pub fn bound_mobile(&self) -> Option<Mobile> {
        self.mobile.as_deref().and_then(|m| Mobile::parse(m).ok())
    }
}

pub async fn load_by_key(app: &App, id_key: &str) -> Result<Option<Stored>, DomainError> {
    app.store
        .get(&pk(id_key), PROFILE_SK)
        .await?
        .map(Stored::from_item)
        .transpose()
}

pub async fn load_by_id(app: &App, id: &IdNumber) -> Result<Option<Stored>, DomainError> {
    load_by_key(app, &id_key(app, id)).await
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileClaim {
    pub learner: String,
}

/// The key of the claim item of `mobile` (which names the learner who bound it).
pub fn claim_key(app: &App, mobile: &Mobile) -> (String, &'static str) {
    (mobile_pk(&mobile_key(app, mobile)), MOBILE_SK)
}

/// Creates a learner unless one with that ID number exists; an existing one is imported again:
/// its import date (and the number the school gave, if it gives one) refreshed, and the importing
/// schools of `learner` added to its own. Returns whether it was created.
pub async fn create_or_refresh(app: &App, learner: &Learner) -> Result<bool, DomainError> {
    let (pk, now) = (pk(&learner.id_key), app.now_unix());
    read_modify_write(app.store.as_ref(), &pk, PROFILE_SK, |item| {
        let Some(item) = item else {
            return Ok(Decision::write(learner, None, true));
        };
        let mut current: Learner = item.parse()?;
        current.imported_at = Some(now);
        if learner.expected_mobile_key.is_some() {
            current.expected_mobile_key = learner.expected_mobile_key.clone();
        }
        for school in &learner.institutions {
            current.join(school);
        }
        Ok(Decision::write(&current, item.expires_at, false))
    })
    .await
}
