//! Configuration from the environment, read once per cold start. It chooses the store (a
//! DynamoDB table or memory) and the SMS sender (SNS or an in-memory outbox); `aws-infra`'s
//! `wiring::build` turns it into an [`crate::App`].

use crate::security::crypto::{Keys, Purposes, FIRST_EPOCH};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, &'static str),
}

/// SMS wording and sender.
#[derive(Clone, Debug)]
pub struct SmsConfig {
    /// The signature shown in 【】 (`SMS_SIGNATURE`, default 学分银行).
    pub signature: String,
    /// The message with `{code}` and `{minutes}` placeholders (`SMS_TEMPLATE`).
    pub template: String,
    /// The SNS sender ID (`SMS_SENDER_ID`), when set.
    pub sender_id: Option<String>,
    /// The notice after a password reset or change (`SMS_NOTICE_PASSWORD`): no code, no link.
    pub password_notice: String,
    /// The notice to the old number after a mobile change (`SMS_NOTICE_MOBILE`).
    pub mobile_notice: String,
    /// The notice of a school's decision on a registration (`SMS_NOTICE_REGISTRATION`), with a
    /// `{result}` placeholder (已通过, 未通过, 需补充材料).
    pub registration_notice: String,
    /// The notice of a school's decision on a conversion application (`SMS_NOTICE_CONVERSION`),
    /// with a `{result}` placeholder (已通过, 未通过).
    pub conversion_notice: String,
    /// The notice of a reply to a learner's question (`SMS_NOTICE_FEEDBACK`), with a `{result}`
    /// placeholder (the ticket number).
    pub feedback_notice: String,
    /// The notice when failed password resets stop an account's resets for a day
    /// (`SMS_NOTICE_RESET`).
    pub reset_notice: String,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            signature: "学分银行".into(),
            template: "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"
                .into(),
            sender_id: None,
            password_notice: "您的学分银行账户密码已修改。如非本人操作，请立即联系所属院校。"
                .into(),
            mobile_notice: "您的学分银行账户已更换绑定手机号。如非本人操作，请立即联系所属院校。"
                .into(),
            registration_notice:
                "您在学分银行登记的学习成果有新的审核结果：{result}。请登录学分银行查看。".into(),
            conversion_notice:
                "您在学分银行提交的成果转换申请有新的审核结果：{result}。请登录学分银行查看。".into(),
            feedback_notice:
                "您在学分银行提交的问题反馈（{result}）有新的回复。请登录学分银行查看。".into(),
            reset_notice:
                "您的学分银行账户今日找回密码失败次数过多，已暂停找回。如非本人操作，请立即联系所属院校。"
                    .into(),
        }
    }
}

impl SmsConfig {
    /// The full text of a code message.
    pub fn code_text(&self, code: &str, minutes: i64) -> String {
        format!(
            "【{}】{}",
            self.signature,
            self.template
                .replace("{code}", code)
                .replace("{minutes}", &minutes.to_string())
        )
    }

    /// The code a code message of this template carries: the digits where `{code}` stands (what
    /// the dev server's outbox, the tests and the tools read back).
    pub fn code_in(&self, text: &str) -> Option<String> {
        let before = self.template.split("{code}").next()?;
        let rest = text.split_once(before)?.1;
        let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
        (!code.is_empty()).then_some(code)
    }
}

impl SmsConfig {
    /// The full text of a notice (`template` is one of the notice templates).
    pub fn notice_text(&self, template: &str) -> String {
        format!("【{}】{}", self.signature, template)
    }
}

/// At most `max` requests in each fixed window of `seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub max: u32,
    pub seconds: i64,
}

/// Per-client-address limits (`THROTTLE_CAPTCHA`, `THROTTLE_LOGIN`, `THROTTLE_RESET_CODE`,
/// `THROTTLE_RESET`, `THROTTLE_SMS`: `max/seconds` windows, comma-separated), and the least time
/// `POST /password/reset/code` and `POST /sms/code` take (`RESET_CODE_MIN_MS`, `SMS_CODE_MIN_MS`),
/// so that their answers take the same time whatever the account or number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Throttles {
    pub captcha: Vec<Window>,
    pub login: Vec<Window>,
    pub reset_code: Vec<Window>,
    pub reset: Vec<Window>,
    pub sms_code: Vec<Window>,
    pub reset_code_min_ms: u64,
    pub sms_code_min_ms: u64,
}

impl Default for Throttles {
    /// A school opens its accounts in class: 300 learners behind one address each fetch
    /// captchas (with room for mistakes), log in, get their binding code and complete the profile
    /// within an hour, in bursts of a few hundred a minute. These limits are the backstop against
    /// floods from one address (3,000 captchas in a minute are stopped); the captcha, the
    /// per-account lockout and the per-learner and per-number SMS caps are the defence.
    fn default() -> Self {
        let w = |max, seconds| Window { max, seconds };
        Throttles {
            captcha: vec![w(600, 60), w(3000, 3600)],
            login: vec![w(600, 60), w(3000, 3600)],
            reset_code: vec![w(10, 60), w(50, 3600)],
            reset: vec![w(20, 60), w(100, 3600)],
            sms_code: vec![w(600, 3600), w(2000, 86_400)],
            reset_code_min_ms: 400,
            sms_code_min_ms: 300,
        }
    }
}

/// How accounts opened by an import behave: the initial password (the ID number's last six)
/// works for `initial_password_days` after the learner's latest import
/// (`INITIAL_PASSWORD_DAYS`); after that the school imports the learner again. And the time a
/// school has to first answer a learner's question (问题反馈): `feedback_answer_days` working
/// days (`FEEDBACK_ANSWER_DAYS`, 1 to 15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountPolicy {
    pub initial_password_days: i64,
    pub feedback_answer_days: u32,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            initial_password_days: 180,
            feedback_answer_days: 3,
        }
    }
}

/// Parses `max/seconds[,max/seconds…]`.
pub fn parse_windows(text: &str) -> Option<Vec<Window>> {
    let windows: Option<Vec<Window>> = text
        .split(',')
        .map(|part| {
            let (max, seconds) = part.trim().split_once('/')?;
            let max: u32 = max.trim().parse().ok()?;
            let seconds: i64 = seconds.trim().parse().ok()?;
            (max > 0 && seconds > 0).then_some(Window { max, seconds })
        })
        .collect();
    windows.filter(|w| !w.is_empty())
}

/// Where records live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreChoice {
    /// The DynamoDB table of this name (endpoint, region and credentials from the AWS SDK's own
    /// environment, `AWS_ENDPOINT_URL` included).
    DynamoDb { table: String },
    /// An embedded in-memory store (dev server, tests).
    Memory,
}

/// Where evidence files go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileChoice {
    /// The S3 bucket of this name (`UPLOAD_BUCKET`; the endpoint as for DynamoDB: path-style
    /// addressing when `AWS_ENDPOINT_URL` is set).
    S3 { bucket: String },
    /// The embedded store (dev server, tests).
    Memory,
    /// None configured (a function without `UPLOAD_BUCKET`): every file operation answers 503
    /// and logs why, rather than keeping files nobody will find.
    Unconfigured,
}

/// Where SMS go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SenderChoice {
    /// Amazon SNS.
    Sns,
    /// An in-memory outbox (dev server, tests); printed when `print` is set.
    Outbox { print: bool },
}

/// How long the service waits for its dependencies (DynamoDB, SNS) and for itself. Set once, in
/// the wiring: the SDK clients get the connect, per-attempt and per-operation timeouts and the
/// retry policy; the HTTP dispatch answers 503 when a whole request outlives `request`.
/// docs/operating.md, "Time budgets", says why these values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// Establishing a connection (TCP + TLS) to an AWS endpoint.
    pub connect: Duration,
    /// One attempt of one SDK call (request sent to response read).
    pub attempt: Duration,
    /// One SDK call, all its attempts and back-offs included.
    pub operation: Duration,
    /// Attempts per SDK call (1 = no retry); throttling and timeouts are retried.
    pub max_attempts: u32,
    /// The first back-off between attempts (exponential with jitter after that).
    pub initial_backoff: Duration,
    /// The maximum back-off between attempts.
    pub max_backoff: Duration,
    /// A whole HTTP request, every call it makes included: past it the answer is 503.
    pub request: Duration,
}

impl Budgets {
    /// The HTTP functions (10 s Lambda timeout; every answer within 5 s).
    pub const HTTP: Budgets = Budgets {
        connect: Duration::from_millis(1000),
        attempt: Duration::from_millis(1200),
        operation: Duration::from_millis(2000),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
        request: Duration::from_millis(4000),
    };

    /// The import function (900 s Lambda timeout; many transactions, throttling expected).
    pub const IMPORT: Budgets = Budgets {
        connect: Duration::from_millis(3000),
        attempt: Duration::from_millis(10_000),
        operation: Duration::from_millis(30_000),
        max_attempts: 6,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(5000),
        request: Duration::from_millis(840_000),
    };

    /// `self` with any of `BUDGET_CONNECT_MS`, `BUDGET_ATTEMPT_MS`, `BUDGET_OPERATION_MS`,
    /// `BUDGET_MAX_ATTEMPTS`, `BUDGET_BACKOFF_MS`, `BUDGET_MAX_BACKOFF_MS`, `BUDGET_REQUEST_MS`
    /// that `lookup` finds (tests scale the budgets down this way).
    pub fn overridden(
        mut self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Budgets, ConfigError> {
        fn number(
            lookup: &dyn Fn(&str) -> Option<String>,
            name: &'static str,
        ) -> Result<Option<u64>, ConfigError> {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => Err(ConfigError::Invalid(name, "must be a positive integer")),
                },
            }
        }
        let ms = Duration::from_millis;
        if let Some(n) = number(lookup, "BUDGET_CONNECT_MS")? {
            self.connect = ms(n);
        }
        if let Some(n) = number(lookup, "BUDGET_ATTEMPT_MS")? {
            self.attempt = ms(n);
        }
        if let Some(n) = number(lookup, "BUDGET_OPERATION_MS")? {
            self.operation = ms(n);
        }
        if let Some(n) = number(lookup, "BUDGET_MAX_ATTEMPTS")? {
            self.max_attempts = u32::try_from(n.min(20)).unwrap_or(20);
        }
        if let Some(n) = number(lookup, "BUDGET_BACKOFF_MS")? {
            self.initial_backoff = ms(n);
        }
        if let Some(n) = number(lookup, "BUDGET_MAX_BACKOFF_MS")? {
            self.max_backoff = ms(n);
        }
        if let Some(n) = number(lookup, "BUDGET_REQUEST_MS")? {
            self.request = ms(n);
        }
        Ok(self)
    }
}

/// Where the keys of the keyed hashes come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// Made already: from `ID_PEPPER` (local runs, the sample events, tests), the dev server's
    /// pepper, or none at all for a function that hashes nothing.
    Ready(Keys),
    /// The pepper is the `SecretString` of a Secrets Manager secret (`PEPPER_SECRET_ARN`, the
    /// stack): the wiring reads it once, at cold start, and keeps only the keys named here.
    Secret(PepperSecret),
}

/// The secret holding the pepper, and what to make of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PepperSecret {
    /// Its ARN (`PEPPER_SECRET_ARN`): named in every error, the value never.
    pub arn: String,
    /// The keys the process keeps.
    pub purposes: Purposes,
    /// The epoch of the rotatable keys (`KEY_EPOCH`).
    pub epoch: u32,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub store: StoreChoice,
    pub sender: SenderChoice,
    pub files: FileChoice,
    /// The keys of the keyed hashes: `ID_PEPPER`, or the secret `PEPPER_SECRET_ARN` names.
    pub keys: KeySource,
    pub sms: SmsConfig,
    /// Time budgets ([`Budgets::HTTP`] unless the import function or `BUDGET_*` say otherwise).
    pub budgets: Budgets,
    pub throttles: Throttles,
    pub accounts: AccountPolicy,
}

/// The pepper of the dev server when `ID_PEPPER` is not set: not a secret, never deployed.
pub const DEV_PEPPER: &str = "dev-server-pepper-not-a-secret-0123456789";

impl Config {
    /// The configuration of a process that computes every keyed hash (tools): as
    /// [`Config::function_from_env`] with [`Purposes::ALL`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::function_from_env(Purposes::ALL)
    }

    /// A Lambda function's configuration, for a function whose keyed hashes are `purposes`:
    /// `TABLE_NAME` is required, and unless `purposes` is empty `PEPPER_SECRET_ARN` (the stack)
    /// or `ID_PEPPER` (local runs).
    pub fn function_from_env(purposes: Purposes) -> Result<Config, ConfigError> {
        Self::function_from_lookup(purposes, |name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests),
    /// with every key.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        Self::function_from_lookup(Purposes::ALL, lookup)
    }

    /// [`Config::function_from_env`] through `lookup`.
    pub fn function_from_lookup(
        purposes: Purposes,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let non_empty = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let table = non_empty("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
        Ok(Config {
            store: StoreChoice::DynamoDb { table },
            sender: SenderChoice::Sns,
            files: match non_empty("UPLOAD_BUCKET") {
                Some(bucket) => FileChoice::S3 { bucket },
                None => FileChoice::Unconfigured,
            },
            keys: key_source(purposes, &non_empty)?,
            sms: sms_config(&non_empty)?,
            budgets: Budgets::HTTP.overridden(&non_empty)?,
            throttles: throttles(&non_empty)?,
            accounts: accounts(&non_empty)?,
        })
    }

    /// The import function's configuration: as [`Config::function_from_env`], with the
    /// import's longer budgets ([`Budgets::IMPORT`], `BUDGET_*` still override).
    pub fn import_from_env(purposes: Purposes) -> Result<Config, ConfigError> {
        let lookup = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut config = Self::function_from_lookup(purposes, lookup)?;
        config.budgets = Budgets::IMPORT.overridden(&lookup)?;
        Ok(config)
    }

    /// The dev server's configuration: the embedded store and a printed outbox, unless
    /// `TABLE_NAME` and `AWS_ENDPOINT_URL` are both set (then that table, e.g. on moto); the dev
    /// pepper unless `ID_PEPPER` is set; `SMS_SIGNATURE`/`SMS_TEMPLATE` as in the functions.
    pub fn dev_server(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let non_empty = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let store = match (non_empty("TABLE_NAME"), non_empty("AWS_ENDPOINT_URL")) {
            (Some(table), Some(_)) => StoreChoice::DynamoDb { table },
            _ => StoreChoice::Memory,
        };
        let files = match (non_empty("UPLOAD_BUCKET"), non_empty("AWS_ENDPOINT_URL")) {
            (Some(bucket), Some(_)) => FileChoice::S3 { bucket },
            _ => FileChoice::Memory,
        };
        let pepper = non_empty("ID_PEPPER").unwrap_or_else(|| DEV_PEPPER.to_string());
        Ok(Config {
            store,
            sender: SenderChoice::Outbox { print: true },
            files,
            keys: KeySource::Ready(keys(&pepper, Purposes::ALL, epoch(&non_empty)?)?),
            sms: sms_config(&non_empty)?,
            budgets: Budgets::HTTP.overridden(&non_empty)?,
            throttles: throttles(&non_empty)?,
            accounts: accounts(&non_empty)?,
        })
    }

    /// An in-memory configuration with the given keys (tests).
    pub fn in_memory(keys: Keys) -> Config {
        Config {
            store: StoreChoice::Memory,
            sender: SenderChoice::Outbox { print: false },
            files: FileChoice::Memory,
            keys: KeySource::Ready(keys),
            sms: SmsConfig::default(),
            budgets: Budgets::HTTP,
            throttles: Throttles::default(),
            accounts: AccountPolicy::default(),
        }
    }
}

/// The keys of `purposes`: none when it is empty; else from `PEPPER_SECRET_ARN` (the stack) or
/// `ID_PEPPER` (local runs), never both.
fn key_source(
    purposes: Purposes,
    non_empty: &dyn Fn(&str) -> Option<String>,
) -> Result<KeySource, ConfigError> {
    let epoch = epoch(non_empty)?;
    if purposes.is_empty() {
        return Ok(KeySource::Ready(Keys::none()));
    }
    match (non_empty("PEPPER_SECRET_ARN"), non_empty("ID_PEPPER")) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid(
            "ID_PEPPER",
            "must not be set beside PEPPER_SECRET_ARN",
        )),
        (Some(arn), None) => Ok(KeySource::Secret(PepperSecret {
            arn: arn.trim().to_string(),
            purposes,
            epoch,
        })),
        (None, Some(pepper)) => Ok(KeySource::Ready(keys(&pepper, purposes, epoch)?)),
        (None, None) => Err(ConfigError::Missing("PEPPER_SECRET_ARN (or ID_PEPPER)")),
    }
}

fn keys(pepper: &str, purposes: Purposes, epoch: u32) -> Result<Keys, ConfigError> {
    Keys::derive(pepper.as_bytes(), purposes, epoch)
        .map_err(|_| ConfigError::Invalid("ID_PEPPER", "must be at least 32 bytes"))
}

/// `KEY_EPOCH`: the generation of the rotatable keys (codes, client addresses), 1 unless set.
fn epoch(non_empty: &dyn Fn(&str) -> Option<String>) -> Result<u32, ConfigError> {
    match non_empty("KEY_EPOCH") {
        None => Ok(FIRST_EPOCH),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(ConfigError::Invalid(
                "KEY_EPOCH",
                "must be a positive integer",
            )),
        },
    }
}

fn sms_config(non_empty: &dyn Fn(&str) -> Option<String>) -> Result<SmsConfig, ConfigError> {
    let defaults = SmsConfig::default();
    let sms = SmsConfig {
        signature: non_empty("SMS_SIGNATURE").unwrap_or(defaults.signature),
        template: non_empty("SMS_TEMPLATE").unwrap_or(defaults.template),
        sender_id: non_empty("SMS_SENDER_ID"),
        password_notice: non_empty("SMS_NOTICE_PASSWORD").unwrap_or(defaults.password_notice),
        mobile_notice: non_empty("SMS_NOTICE_MOBILE").unwrap_or(defaults.mobile_notice),
        reset_notice: non_empty("SMS_NOTICE_RESET").unwrap_or(defaults.reset_notice),
        registration_notice: non_empty("SMS_NOTICE_REGISTRATION")
            .unwrap_or(defaults.registration_notice),
        conversion_notice: non_empty("SMS_NOTICE_CONVERSION").unwrap_or(defaults.conversion_notice),
        feedback_notice: non_empty("SMS_NOTICE_FEEDBACK").unwrap_or(defaults.feedback_notice),
    };
    if !sms.template.contains("{code}") {
        return Err(ConfigError::Invalid("SMS_TEMPLATE", "must contain {code}"));
    }
    Ok(sms)
}

fn throttles(non_empty: &dyn Fn(&str) -> Option<String>) -> Result<Throttles, ConfigError> {
    let d = Throttles::default();
    let windows = |name: &'static str, default: Vec<Window>| match non_empty(name) {
        None => Ok(default),
        Some(text) => {
            parse_windows(&text).ok_or(ConfigError::Invalid(name, "must be max/seconds[,…]"))
        }
    };
    Ok(Throttles {
        captcha: windows("THROTTLE_CAPTCHA", d.captcha)?,
        login: windows("THROTTLE_LOGIN", d.login)?,
        reset_code: windows("THROTTLE_RESET_CODE", d.reset_code)?,
        reset: windows("THROTTLE_RESET", d.reset)?,
        sms_code: windows("THROTTLE_SMS", d.sms_code)?,
        reset_code_min_ms: number(non_empty, "RESET_CODE_MIN_MS", d.reset_code_min_ms)?,
        sms_code_min_ms: number(non_empty, "SMS_CODE_MIN_MS", d.sms_code_min_ms)?,
    })
}

fn accounts(non_empty: &dyn Fn(&str) -> Option<String>) -> Result<AccountPolicy, ConfigError> {
    let days = number(
        non_empty,
        "INITIAL_PASSWORD_DAYS",
        AccountPolicy::default().initial_password_days as u64,
    )?;
    if days == 0 {
        return Err(ConfigError::Invalid(
            "INITIAL_PASSWORD_DAYS",
            "must be at least 1",
        ));
    }
    let answer = number(
        non_empty,
        "FEEDBACK_ANSWER_DAYS",
        u64::from(AccountPolicy::default().feedback_answer_days),
    )?;
    if !(1..=15).contains(&answer) {
        return Err(ConfigError::Invalid(
            "FEEDBACK_ANSWER_DAYS",
            "must be 1 to 15 working days",
        ));
    }
    Ok(AccountPolicy {
        initial_password_days: days as i64,
        feedback_answer_days: answer as u32,
    })
}

/// A whole number setting, `default` when unset.
fn number(
    non_empty: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<u64, ConfigError> {
    match non_empty(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError::Invalid(name, "must be a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn requires_table_and_a_long_pepper() {
        assert!(matches!(
            Config::from_lookup(lookup(&[])),
            Err(ConfigError::Missing("TABLE_NAME"))
        ));
        assert!(matches!(
            Config::from_lookup(lookup(&[("TABLE_NAME", "t"), ("ID_PEPPER", "short")])),
            Err(ConfigError::Invalid("ID_PEPPER", _))
        ));
        let c = Config::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ID_PEPPER", &"p".repeat(32)),
        ]))
        .unwrap();
        assert_eq!(c.store, StoreChoice::DynamoDb { table: "t".into() });
        assert_eq!(c.sender, SenderChoice::Sns);
        assert_eq!(c.sms.signature, "学分银行");
        assert!(c.sms.sender_id.is_none());
        assert_eq!(format!("{:?}", c.keys), "Ready(Keys(<redacted>))");
    }

    #[test]
    fn the_pepper_comes_from_the_secret_or_the_environment_and_only_where_needed() {
        let arn = "arn:aws:secretsmanager:us-east-1:000000000000:secret:pepper-AbCdEf";
        let pepper = "p".repeat(32);
        let c = Config::function_from_lookup(
            Purposes::ADDRESS,
            lookup(&[("TABLE_NAME", "t"), ("PEPPER_SECRET_ARN", arn)]),
        )
        .unwrap();
        let KeySource::Secret(secret) = c.keys else {
            panic!("the secret")
        };
        assert_eq!(
            secret,
            PepperSecret {
                arn: arn.into(),
                purposes: Purposes::ADDRESS,
                epoch: FIRST_EPOCH,
            }
        );
        let c = Config::function_from_lookup(
            Purposes::IDENTITY,
            lookup(&[
                ("TABLE_NAME", "t"),
                ("ID_PEPPER", &pepper),
                ("KEY_EPOCH", "3"),
            ]),
        )
        .unwrap();
        let KeySource::Ready(keys) = c.keys else {
            panic!("ready keys")
        };
        assert_eq!((keys.purposes(), keys.epoch()), (Purposes::IDENTITY, 3));
        // A function that hashes nothing needs neither, and gets no key even when one is set.
        for env in [
            vec![("TABLE_NAME", "t")],
            vec![("TABLE_NAME", "t"), ("ID_PEPPER", &pepper)],
        ] {
            let c = Config::function_from_lookup(Purposes::NONE, lookup(&env)).unwrap();
            assert!(matches!(c.keys, KeySource::Ready(k) if k.purposes() == Purposes::NONE));
        }
        let err = |env: &[(&str, &str)]| {
            Config::function_from_lookup(Purposes::CODE, lookup(env))
                .unwrap_err()
                .to_string()
        };
        assert!(err(&[("TABLE_NAME", "t")]).contains("PEPPER_SECRET_ARN"));
        assert!(err(&[
            ("TABLE_NAME", "t"),
            ("PEPPER_SECRET_ARN", arn),
            ("ID_PEPPER", &pepper)
        ])
        .contains("beside PEPPER_SECRET_ARN"));
        assert!(err(&[
            ("TABLE_NAME", "t"),
            ("ID_PEPPER", &pepper),
            ("KEY_EPOCH", "0")
        ])
        .contains("KEY_EPOCH"));
    }

    #[test]
    fn the_dev_server_chooses_memory_unless_an_endpoint_is_named() {
        let c = Config::dev_server(lookup(&[("TABLE_NAME", "t")])).unwrap();
        assert_eq!(c.store, StoreChoice::Memory);
        assert_eq!(c.sender, SenderChoice::Outbox { print: true });
        let c = Config::dev_server(lookup(&[
            ("TABLE_NAME", "t"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("SMS_SIGNATURE", "测试"),
        ]))
        .unwrap();
        assert_eq!(c.store, StoreChoice::DynamoDb { table: "t".into() });
        assert_eq!(c.sms.signature, "测试");
        assert!(Config::dev_server(lookup(&[("SMS_TEMPLATE", "no code")])).is_err());
    }

    #[test]
    fn budgets_fit_the_lambda_timeouts_and_scale_down_by_environment() {
        let http = Budgets::HTTP;
        assert!(http.attempt <= http.operation && http.operation < http.request);
        assert!(
            http.request < Duration::from_secs(5),
            "every route answers within 5 s"
        );
        assert!(Budgets::IMPORT.operation > http.operation);
        let c = Config::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ID_PEPPER", &"p".repeat(32)),
            ("BUDGET_OPERATION_MS", "300"),
            ("BUDGET_REQUEST_MS", "900"),
        ]))
        .unwrap();
        assert_eq!(c.budgets.operation, Duration::from_millis(300));
        assert_eq!(c.budgets.request, Duration::from_millis(900));
        assert_eq!(c.budgets.connect, http.connect);
        assert!(Config::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ID_PEPPER", &"p".repeat(32)),
            ("BUDGET_ATTEMPT_MS", "soon"),
        ]))
        .is_err());
    }

    #[test]
    fn throttles_parse_and_default() {
        assert_eq!(
            parse_windows("5/60, 100/3600"),
            Some(vec![
                Window {
                    max: 5,
                    seconds: 60
                },
                Window {
                    max: 100,
                    seconds: 3600
                }
            ])
        );
        assert_eq!(parse_windows("5"), None);
        assert_eq!(parse_windows("0/60"), None);
        let c = Config::dev_server(lookup(&[("THROTTLE_LOGIN", "3/60")])).unwrap();
        assert_eq!(
            c.throttles.login,
            vec![Window {
                max: 3,
                seconds: 60
            }]
        );
        assert_eq!(c.throttles.captcha, Throttles::default().captcha);
        assert!(Config::dev_server(lookup(&[("THROTTLE_CAPTCHA", "x")])).is_err());
        let notice = SmsConfig::default().notice_text(&SmsConfig::default().password_notice);
        assert!(notice.starts_with("【学分银行】") && !notice.contains('{'));
    }

    #[test]
    fn code_text_carries_signature_code_and_minutes() {
        let text = SmsConfig::default().code_text("123456", 5);
        assert_eq!(
            text,
            "【学分银行】您的验证码为123456，5分钟内有效。如非本人操作，请忽略本短信。"
        );
        assert_eq!(
            SmsConfig::default().code_in(&text).as_deref(),
            Some("123456")
        );
        let notice = SmsConfig::default().notice_text(&SmsConfig::default().password_notice);
        assert_eq!(SmsConfig::default().code_in(&notice), None);
    }
}
