//! The language a learner reads: Simplified Chinese unless they prefer English.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The language of an `Accept-Language` value: English when the most preferred language it
    /// names (of Chinese and English) is English.
    pub fn from_accept_language(value: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }

    /// `zh` or `en`.
    pub fn pick<T>(self, zh: T, en: T) -> T {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_follows_the_strongest_preference() {
        let l = Lang::from_accept_language;
        assert_eq!(l(""), Lang::Zh);
        assert_eq!(l("en-US,en;q=0.9"), Lang::En);
        assert_eq!(l("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(l("fr, en;q=0.5, zh;q=0.4"), Lang::En);
        assert_eq!(l("en;q=0.2, zh-Hans;q=0.7"), Lang::Zh);
        assert_eq!(l("de"), Lang::Zh);
        assert_eq!(l("en;q=0"), Lang::Zh);
    }
}
