//! The one table from outcomes to HTTP: status, code, message (Simplified Chinese by default,
//! English on request) and `Retry-After`. Domain errors come in unchanged; the edge adds only
//! what is about HTTP itself (bodies, media types, routes, headers).

use domain::error::{Daily, DomainError, Problem, Subject, WeakReason};
use domain::import::RecordProblem;
use domain::Lang;
use lambda_http::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("request body is not valid JSON")]
    InvalidJson,
    #[error("request body must be application/json")]
    UnsupportedMediaType,
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("no such route")]
    NotFound,
    /// `allow` lists the methods the path has (the `Allow` header).
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
}

impl From<domain::store::StoreError> for ApiError {
    fn from(e: domain::store::StoreError) -> Self {
        ApiError::Domain(e.into())
    }
}

impl ApiError {
    pub fn validation(field: impl Into<String>, problem: Problem) -> Self {
        ApiError::Domain(DomainError::validation(field, problem))
    }

    /// The domain error inside, if any.
    pub fn domain(&self) -> Option<&DomainError> {
        match self {
            ApiError::Domain(d) => Some(d),
            _ => None,
        }
    }

    pub fn status(&self) -> StatusCode {
        use DomainError::*;
        let d = match self {
            ApiError::InvalidJson => return StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType => return StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge => return StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::NotFound => return StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => return StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Domain(d) => d,
        };
        match d {
            Validation { .. }
            | CaptchaInvalid
            | SmsCodeInvalid
            | IdExpired
            | IdValidityInvalid
            | PasswordWeak(_)
            | UploadInvalid { .. } => StatusCode::BAD_REQUEST,
            CredentialsInvalid | Unauthenticated => StatusCode::UNAUTHORIZED,
            ProfileIncomplete | ActivationExpired | Forbidden => StatusCode::FORBIDDEN,
            NotFound => StatusCode::NOT_FOUND,
            MobileTaken | StateConflict | Duplicate(_) | TooManyOpen(_) | TooManyRules
            | TooManyMessages => StatusCode::CONFLICT,
            AccountLocked { .. }
            | SmsCooldown { .. }
            | SmsLimitExceeded { .. }
            | RateLimited { .. }
            | DailyLimit { .. } => StatusCode::TOO_MANY_REQUESTS,
            Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        use DomainError::*;
        let d = match self {
            ApiError::InvalidJson => return "INVALID_JSON",
            ApiError::UnsupportedMediaType => return "UNSUPPORTED_MEDIA_TYPE",
            ApiError::PayloadTooLarge => return "PAYLOAD_TOO_LARGE",
            ApiError::NotFound => return "NOT_FOUND",
            ApiError::MethodNotAllowed { .. } => return "METHOD_NOT_ALLOWED",
            ApiError::Domain(d) => d,
        };
        match d {
            Validation { .. } => "VALIDATION_FAILED",
            CaptchaInvalid => "CAPTCHA_INVALID",
            CredentialsInvalid => "CREDENTIALS_INVALID",
            AccountLocked { .. } => "ACCOUNT_LOCKED",
            Unauthenticated => "UNAUTHENTICATED",
            ProfileIncomplete => "PROFILE_INCOMPLETE",
            ActivationExpired => "ACTIVATION_EXPIRED",
            SmsCooldown { .. } => "SMS_COOLDOWN",
            SmsLimitExceeded { .. } => "SMS_LIMIT_EXCEEDED",
            SmsCodeInvalid => "SMS_CODE_INVALID",
            IdExpired => "ID_EXPIRED",
            IdValidityInvalid => "ID_VALIDITY_INVALID",
            PasswordWeak(_) => "PASSWORD_WEAK",
            MobileTaken => "MOBILE_TAKEN",
            RateLimited { .. } | DailyLimit { .. } => "RATE_LIMITED",
            Forbidden => "FORBIDDEN",
            NotFound => "NOT_FOUND",
            StateConflict => "STATE_CONFLICT",
            Duplicate(_) => "DUPLICATE",
            TooManyOpen(_) => "TOO_MANY_OPEN",
            TooManyRules => "TOO_MANY_RULES",
            TooManyMessages => "TOO_MANY_MESSAGES",
            UploadInvalid { .. } => "UPLOAD_INVALID",
            Unavailable(_) => "SERVICE_UNAVAILABLE",
            Internal(_) => "INTERNAL",
        }
    }

    /// Seconds after which trying again can succeed, where that applies.
    pub fn retry_after(&self) -> Option<u64> {
        match self.domain()? {
            DomainError::AccountLocked { retry_after }
            | DomainError::SmsCooldown { retry_after }
            | DomainError::SmsLimitExceeded { retry_after }
            | DomainError::RateLimited { retry_after }
            | DomainError::DailyLimit { retry_after, .. } => Some((*retry_after).max(1)),
            DomainError::Unavailable(_) => Some(1),
            _ => None,
        }
    }

    /// The message shown to the learner.
    pub fn message(&self, lang: Lang) -> String {
        use DomainError::*;
        let s = |zh: &str, en: &str| lang.pick(zh, en).to_string();
        let d = match self {
            ApiError::InvalidJson => {
                return s(
                    "请求内容不是有效的 JSON",
                    "The request body is not valid JSON",
                )
            }
            ApiError::UnsupportedMediaType => {
                return s(
                    "请求内容类型必须为 application/json",
                    "The request body must be sent as application/json",
                )
            }
            ApiError::PayloadTooLarge => return s("请求内容过大", "The request body is too large"),
            ApiError::NotFound => return s("请求的资源不存在", "No such resource"),
            ApiError::MethodNotAllowed { .. } => {
                return s("不支持该请求方法", "This method is not allowed here")
            }
            ApiError::Domain(d) => d,
        };
        match d {
            Validation { field, problem } => match lang {
                Lang::Zh => format!("字段 {field} {}", problem_text(*problem, lang)),
                Lang::En => format!("Field {field} {}", problem_text(*problem, lang)),
            },
            CaptchaInvalid => s(
                "验证码错误或已失效，请换一张",
                "The captcha answer is wrong or the captcha has expired; get a new one",
            ),
            CredentialsInvalid => s("账号或密码错误", "Wrong account or password"),
            AccountLocked { retry_after } => match lang {
                Lang::Zh => format!(
                    "登录失败次数过多，账号已锁定，请 {}后再试",
                    wait_text(*retry_after, lang)
                ),
                Lang::En => format!(
                    "Too many failed logins: the account is locked; try again in {}",
                    wait_text(*retry_after, lang)
                ),
            },
            Unauthenticated => s("请先登录", "Please log in"),
            ProfileIncomplete => s(
                "为了确保账户安全，使用系统前请先完善账户信息",
                "For your account's security, complete your information before using the system",
            ),
            ActivationExpired => s(
                "初始密码已过期，激活账号类问题请咨询所属院校",
                "The initial password has expired: ask your school to activate your account",
            ),
            SmsCooldown { retry_after } => match lang {
                Lang::Zh => format!("验证码发送过于频繁，请 {retry_after} 秒后再试"),
                Lang::En => format!(
                    "Codes are sent at most once a minute; try again in {retry_after} seconds"
                ),
            },
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
            PasswordWeak(reason) => weak_text(*reason, lang).to_string(),
            MobileTaken => s(
                "该手机号已被其他账户绑定",
                "This mobile number is bound to another account",
            ),
            RateLimited { retry_after } => match lang {
                Lang::Zh => format!("请求过于频繁，请 {}后再试", wait_text(*retry_after, lang)),
                Lang::En => format!(
                    "Too many requests; try again in {}",
                    wait_text(*retry_after, lang)
                ),
            },
            DailyLimit { what, retry_after } => {
                let wait = wait_text(*retry_after, lang);
                match (what, lang) {
                    (Daily::Uploads, Lang::Zh) => format!(
                        "今日已申请上传 {} 个文件，达到每日上限，请 {wait}后再试",
                        domain::uploads::DAILY_UPLOADS
                    ),
                    (Daily::Uploads, Lang::En) => format!(
                        "You have asked to upload {} files today, the most a day; try again in {wait}",
                        domain::uploads::DAILY_UPLOADS
                    ),
                    (Daily::Tickets, Lang::Zh) => format!(
                        "今日已提交 {} 个问题，达到每日上限，请 {wait}后再试",
                        domain::feedback::DAILY_TICKETS
                    ),
                    (Daily::Tickets, Lang::En) => format!(
                        "You have asked {} questions today, the most a day; try again in {wait}",
                        domain::feedback::DAILY_TICKETS
                    ),
                }
            }
            Forbidden => s("无权执行此操作", "You are not allowed to do this"),
            NotFound => s("请求的资源不存在", "No such resource"),
            StateConflict => s(
                "当前状态不允许此操作，请刷新后查看",
                "This cannot be done in the current state; reload to see it",
            ),
            Duplicate(Subject::Registration) => s(
                "相同颁证机构和证书编号的成果已在审核中或已通过",
                "An achievement with this issuer and certificate number is already under review or approved",
            ),
            Duplicate(Subject::Conversion) => s(
                "该成果已按此规则申请，或该课程已有转换申请在审核中或已通过",
                "This achievement was already submitted under this rule, or this course already has an application under review or approved",
            ),
            TooManyOpen(Subject::Registration) => s(
                "待审核的登记已达上限，请等待审核或撤回后再提交",
                "Too many registrations await review; wait for decisions or withdraw one first",
            ),
            TooManyOpen(Subject::Conversion) => s(
                "待审核的转换申请已达上限，请等待审核或撤回后再申请",
                "Too many conversion applications await review; wait for decisions or withdraw one first",
            ),
            TooManyRules => s(
                "本校创建的转换规则已达上限，请联系学分银行平台",
                "Your school has created as many conversion rules as it may; contact the credit bank",
            ),
            TooManyMessages => s(
                "该问题的留言已达上限，请关闭后重新提交问题",
                "This question holds as many messages as it may; close it and ask again",
            ),
            UploadInvalid {
                field: "attachments",
                ..
            } => s(
                "附件无效：文件不存在、超过大小或与声明的类型不符",
                "Invalid attachment: the file is missing, too large, or not of its declared type",
            ),
            UploadInvalid { .. } => s(
                "证明材料无效：文件不存在、超过大小或与声明的类型不符",
                "Invalid evidence: the file is missing, too large, or not of its declared type",
            ),
            Unavailable(_) => s("服务繁忙，请稍后再试", "The service is busy; try again shortly"),
            Internal(_) => s("服务器内部错误", "Internal server error"),
        }
    }
}

/// A wait in the largest unit that reads well: seconds under two minutes, minutes under two
/// hours, then hours (rounded up).
fn wait_text(seconds: u64, lang: Lang) -> String {
    let (n, zh, en) = match seconds {
        0..120 => (seconds.max(1), "秒", "seconds"),
        120..7200 => (seconds.div_ceil(60), "分钟", "minutes"),
        _ => (seconds.div_ceil(3600), "小时", "hours"),
    };
    match lang {
        Lang::Zh => format!("{n} {zh}"),
        Lang::En => format!("{n} {en}"),
    }
}

fn problem_text(problem: Problem, lang: Lang) -> &'static str {
    match problem {
        Problem::Missing => lang.pick("不能为空", "is required"),
        Problem::WrongType => lang.pick("类型不正确", "has the wrong type"),
        Problem::TooLong => lang.pick("过长", "is too long"),
        Problem::Invalid => lang.pick("格式不正确", "is not valid"),
        Problem::OutOfRange => lang.pick("超出允许范围", "is out of range"),
        Problem::NotAllowed => lang.pick("不允许在此修改", "cannot be changed here"),
        Problem::NotMet => lang.pick(
            "不符合该转换规则的条件",
            "does not meet the conditions of the rule",
        ),
        Problem::OtherSchool => lang.pick(
            "不是您所属院校的转换规则",
            "is a rule of a school you do not belong to",
        ),
        Problem::NotInForce => lang.pick("不是现行有效的转换规则", "is not a rule in force"),
    }
}

/// Why a new password was refused, in words.
pub fn weak_text(reason: WeakReason, lang: Lang) -> &'static str {
    match reason {
        WeakReason::TooShort => lang.pick(
            "新密码至少 8 个字符",
            "the new password must have at least 8 characters",
        ),
        WeakReason::TooLong => lang.pick(
            "新密码最多 64 个字符",
            "the new password may have at most 64 characters",
        ),
        WeakReason::InitialPassword => lang.pick(
            "新密码不能是初始密码",
            "the new password must not be the initial password",
        ),
        WeakReason::ContainsIdNumber => lang.pick(
            "新密码不能包含身份证号后六位",
            "the new password must not contain the last six characters of the ID number",
        ),
        WeakReason::ContainsMobile => lang.pick(
            "新密码不能包含手机号",
            "the new password must not contain the mobile number",
        ),
        WeakReason::Common => lang.pick(
            "新密码过于常见，请换一个",
            "the new password is too common; choose another",
        ),
    }
}

/// Why an import record was refused, in words.
pub fn record_text(problem: RecordProblem, lang: Lang) -> &'static str {
    use RecordProblem::*;
    match problem {
        RecordInvalid => lang.pick(
            "记录格式不正确（须为对象，字段类型正确）",
            "the record is malformed (it must be an object with fields of the right types)",
        ),
        IdNumberInvalid => lang.pick(
            "身份证号无效（长度、出生日期或校验位不正确）",
            "the ID number is invalid (length, birth date or check character)",
        ),
        NameInvalid => lang.pick("名称不能为空，且不能过长", "the name is empty or too long"),
        ExternalIdInvalid => lang.pick(
            "成果编号不能为空，且不超过64个字符",
            "the external id is empty or longer than 64 characters",
        ),
        TypeUnknown => lang.pick("成果类型不存在", "no such achievement type"),
        SubtypeUnknown => lang.pick(
            "成果子类型不存在或不属于该成果类型",
            "no such subtype, or it does not belong to the type",
        ),
        SourceUnknown => lang.pick(
            "成果来源须为 personal 或 converted",
            "the source must be personal or converted",
        ),
        IssuerInvalid => lang.pick(
            "颁证机构不能为空，且不能过长",
            "the issuer is empty or too long",
        ),
        CreditsInvalid => lang.pick(
            "学分须为 0 到 9999.9 之间、最多一位小数的数",
            "credits must be a number from 0 to 9999.9 with at most one decimal",
        ),
        PointsInvalid => lang.pick(
            "积分须为 0 到 1000000 之间的整数",
            "points must be a whole number from 0 to 1000000",
        ),
        DateInvalid => lang.pick(
            "获得日期须为 YYYY-MM-DD 格式且不晚于今天",
            "the date must be YYYY-MM-DD and not in the future",
        ),
        LearnerNotFound => lang.pick(
            "该学习者不存在，且不在本次导入中",
            "no such learner, here or in this event",
        ),
        DuplicateInEvent => lang.pick("本次导入中重复的记录", "a duplicate record in this event"),
        ExternalIdConflict => lang.pick(
            "该成果编号已登记给另一位学习者",
            "this external id is registered to another learner",
        ),
        MobileInvalid => lang.pick(
            "手机号须为 11 位中国大陆手机号",
            "the mobile number must be 11 digits starting with 13 to 19",
        ),
    }
}
