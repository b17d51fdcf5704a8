//! The one error type every route answers with, and its single mapping to status, code and
//! message (Simplified Chinese by default, English on request).

use crate::http::Lang;
use crate::store::StoreError;
use lambda_http::http::StatusCode;

/// What is wrong with a request field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    Missing,
    WrongType,
    TooLong,
    Invalid,
    OutOfRange,
}

impl Problem {
    fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Problem::Missing, Lang::Zh) => "不能为空",
            (Problem::Missing, Lang::En) => "is required",
            (Problem::WrongType, Lang::Zh) => "类型不正确",
            (Problem::WrongType, Lang::En) => "has the wrong type",
            (Problem::TooLong, Lang::Zh) => "过长",
            (Problem::TooLong, Lang::En) => "is too long",
            (Problem::Invalid, Lang::Zh) => "格式不正确",
            (Problem::Invalid, Lang::En) => "is not valid",
            (Problem::OutOfRange, Lang::Zh) => "超出允许范围",
            (Problem::OutOfRange, Lang::En) => "is out of range",
        }
    }
}

/// Why a new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeakReason {
    TooShort,
    TooLong,
    InitialPassword,
    ContainsIdNumber,
    ContainsMobile,
    Common,
}

impl WeakReason {
    pub fn code(self) -> &'static str {
        match self {
            WeakReason::TooShort => "TOO_SHORT",
            WeakReason::TooLong => "TOO_LONG",
            WeakReason::InitialPassword => "INITIAL_PASSWORD",
            WeakReason::ContainsIdNumber => "CONTAINS_ID_NUMBER",
            WeakReason::ContainsMobile => "CONTAINS_MOBILE",
            WeakReason::Common => "COMMON_PASSWORD",
        }
    }

    fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (WeakReason::TooShort, Lang::Zh) => "新密码至少 8 个字符",
            (WeakReason::TooShort, Lang::En) => "the new password must have at least 8 characters",
            (WeakReason::TooLong, Lang::Zh) => "新密码最多 64 个字符",
            (WeakReason::TooLong, Lang::En) => "the new password may have at most 64 characters",
            (WeakReason::InitialPassword, Lang::Zh) => "新密码不能是初始密码",
            (WeakReason::InitialPassword, Lang::En) => {
                "the new password must not be the initial password"
            }
            (WeakReason::ContainsIdNumber, Lang::Zh) => "新密码不能包含身份证号后六位",
            (WeakReason::ContainsIdNumber, Lang::En) => {
                "the new password must not contain the last six characters of the ID number"
            }
            (WeakReason::ContainsMobile, Lang::Zh) => "新密码不能包含手机号",
            (WeakReason::ContainsMobile, Lang::En) => {
                "the new password must not contain the mobile number"
            }
            (WeakReason::Common, Lang::Zh) => "新密码过于常见，请换一个",
            (WeakReason::Common, Lang::En) => "the new password is too common; choose another",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("request body is not valid JSON")]
    InvalidJson,
    #[error("request body must be application/json")]
    UnsupportedMediaType,
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("no such route")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("field {field} {problem:?}")]
    Validation { field: String, problem: Problem },
    #[error("captcha invalid")]
    CaptchaInvalid,
    #[error("credentials invalid")]
    CredentialsInvalid,
    #[error("account locked for {retry_after}s")]
    AccountLocked { retry_after: u64 },
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("profile incomplete")]
    ProfileIncomplete,
    #[error("sms cooldown {retry_after}s")]
    SmsCooldown { retry_after: u64 },
    #[error("sms limit exceeded, retry in {retry_after}s")]
    SmsLimitExceeded { retry_after: u64 },
    #[error("sms code invalid")]
    SmsCodeInvalid,
    #[error("id document expired")]
    IdExpired,
    #[error("id document validity invalid")]
    IdValidityInvalid,
    #[error("password weak: {0:?}")]
    PasswordWeak(WeakReason),
    #[error("mobile taken")]
    MobileTaken,
    #[error("service unavailable: {0}")]
    ServiceUnavailable(String),
    /// The detail is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn validation(field: impl Into<String>, problem: Problem) -> Self {
        AppError::Validation {
            field: field.into(),
            problem,
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    pub fn status(&self) -> StatusCode {
        use AppError::*;
        match self {
            InvalidJson
            | Validation { .. }
            | CaptchaInvalid
            | SmsCodeInvalid
            | IdExpired
            | IdValidityInvalid
            | PasswordWeak(_) => StatusCode::BAD_REQUEST,
            UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            CredentialsInvalid | Unauthenticated => StatusCode::UNAUTHORIZED,
            ProfileIncomplete => StatusCode::FORBIDDEN,
            MobileTaken => StatusCode::CONFLICT,
            AccountLocked { .. } | SmsCooldown { .. } | SmsLimitExceeded { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        use AppError::*;
        match self {
            InvalidJson => "INVALID_JSON",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            NotFound => "NOT_FOUND",
            MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Validation { .. } => "VALIDATION_FAILED",
            CaptchaInvalid => "CAPTCHA_INVALID",
            CredentialsInvalid => "CREDENTIALS_INVALID",
            AccountLocked { .. } => "ACCOUNT_LOCKED",
            Unauthenticated => "UNAUTHENTICATED",
            ProfileIncomplete => "PROFILE_INCOMPLETE",
            SmsCooldown { .. } => "SMS_COOLDOWN",
            SmsLimitExceeded { .. } => "SMS_LIMIT_EXCEEDED",
            SmsCodeInvalid => "SMS_CODE_INVALID",
            IdExpired => "ID_EXPIRED",
            IdValidityInvalid => "ID_VALIDITY_INVALID",
            PasswordWeak(_) => "PASSWORD_WEAK",
            MobileTaken => "MOBILE_TAKEN",
            ServiceUnavailable(_) => "SERVICE_UNAVAILABLE",
            Internal(_) => "INTERNAL",
        }
    }

    /// Seconds after which trying again can succeed, where that applies.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::AccountLocked { retry_after }
            | AppError::SmsCooldown { retry_after }
            | AppError::SmsLimitExceeded { retry_after } => Some((*retry_after).max(1)),
            AppError::ServiceUnavailable(_) => Some(1),
            _ => None,
        }
    }

    /// The message shown to the learner.
    pub fn message(&self, lang: Lang) -> String {
        use AppError::*;
        let zh = lang == Lang::Zh;
        let s = |zh_text: &str, en_text: &str| {
            if zh {
                zh_text.to_string()
            } else {
                en_text.to_string()
            }
        };
        match self {
            InvalidJson => s("请求内容不是有效的 JSON", "The request body is not valid JSON"),
            UnsupportedMediaType => s(
                "请求内容类型必须为 application/json",
                "The request body must be sent as application/json",
            ),
            PayloadTooLarge => s("请求内容过大", "The request body is too large"),
            NotFound => s("请求的资源不存在", "No such resource"),
            MethodNotAllowed => s("不支持该请求方法", "This method is not allowed here"),
            Validation { field, problem } => {
                if zh {
                    format!("字段 {field} {}", problem.text(lang))
                } else {
                    format!("Field {field} {}", problem.text(lang))
                }
            }
            CaptchaInvalid => s(
                "验证码错误或已失效，请换一张",
                "The captcha answer is wrong or the captcha has expired; get a new one",
            ),
            CredentialsInvalid => s("账号或密码错误", "Wrong account or password"),
            AccountLocked { retry_after } => {
                let minutes = retry_after.div_ceil(60);
                if zh {
                    format!("登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
                } else {
                    format!("Too many failed logins: the account is locked; try again in {minutes} minutes")
                }
            }
            Unauthenticated => s("请先登录", "Please log in"),
            ProfileIncomplete => s(
                "为了确保账户安全，使用系统前请先完善账户信息",
                "For your account's security, complete your information before using the system",
            ),
            SmsCooldown { retry_after } => {
                if zh {
                    format!("验证码发送过于频繁，请 {retry_after} 秒后再试")
                } else {
                    format!("Codes are sent at most once a minute; try again in {retry_after} seconds")
                }
            }
            SmsLimitExceeded { .. } => s(
                "验证码发送次数已达上限，请稍后再试",
                "Too many codes have been sent; try again later",
            ),
            SmsCodeInvalid => s(
                "短信验证码错误或已失效",
                "The SMS code is wrong or no longer valid",
            ),
            IdExpired => s("证件已过有效期", "The ID document has expired"),
            IdValidityInvalid => s(
                "证件有效期不正确：结束日期须为开始日期后 5 年、10 年、20 年，或长期有效",
                "Invalid document validity: the end must be 5, 10 or 20 years after the start, or long-term",
            ),
            PasswordWeak(reason) => reason.text(lang).to_string(),
            MobileTaken => s(
                "该手机号已被其他账户绑定",
                "This mobile number is bound to another account",
            ),
            ServiceUnavailable(_) => s("服务繁忙，请稍后再试", "The service is busy; try again shortly"),
            Internal(_) => s("服务器内部错误", "Internal server error"),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => AppError::ServiceUnavailable(detail),
            other => AppError::Internal(other.to_string()),
        }
    }
}
