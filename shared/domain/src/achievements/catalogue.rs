//! The one catalogue of achievement types, subtypes and sources: validation, labels and
//! `GET /achievement-types` all read it.

use crate::values::lang::Lang;
use serde::Serialize;

pub struct Entry {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

impl Entry {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

pub struct AchievementType {
    pub entry: Entry,
    pub subtypes: &'static [Entry],
}

const fn e(code: &'static str, zh: &'static str, en: &'static str) -> Entry {
    Entry { code, zh, en }
}

pub static TYPES: &[AchievementType] = &[
    AchievementType {
        entry: e("ACADEMIC", "学历成果", "Academic achievements"),
        subtypes: &[
            e("COURSE", "课程学分", "Course credits"),
            e("DIPLOMA", "学历证书", "Academic diploma"),
        ],
    },
    AchievementType {
        entry: e("NON_ACADEMIC", "非学历成果", "Non-academic achievements"),
        subtypes: &[
            e(
                "X_CERTIFICATE",
                "职业技能等级证书(X证书)",
                "Vocational skill level certificate (X certificate)",
            ),
            e(
                "VOCATIONAL_QUALIFICATION",
                "职业资格证书",
                "Vocational qualification certificate",
            ),
            e("TRAINING_CERTIFICATE", "培训证书", "Training certificate"),
            e("COMPETITION_AWARD", "竞赛获奖", "Competition award"),
            e("WORK_EXPERIENCE", "工作经历", "Work experience"),
            e("OTHER", "其他学习成果", "Other learning achievements"),
        ],
    },
];

pub static SOURCES: &[Entry] = &[
    e("personal", "个人获取", "Obtained personally"),
    e("converted", "转换获取", "Obtained by conversion"),
];

pub fn find_type(code: &str) -> Option<&'static AchievementType> {
    TYPES.iter().find(|t| t.entry.code == code)
}

/// The type a subtype belongs to.
pub fn type_of_subtype(code: &str) -> Option<&'static AchievementType> {
    TYPES
        .iter()
        .find(|t| t.subtypes.iter().any(|s| s.code == code))
}

pub fn find_subtype(code: &str) -> Option<&'static Entry> {
    TYPES
        .iter()
        .flat_map(|t| t.subtypes.iter())
        .find(|s| s.code == code)
}

pub fn find_source(code: &str) -> Option<&'static Entry> {
    SOURCES.iter().find(|s| s.code == code)
}

/// An achievement's type and subtype as every view shows them: the codes with their labels in
/// the caller's language (flattened into the view).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindView {
    #[serde(rename = "type")]
    pub kind: String,
    pub type_label: &'static str,
    pub subtype: String,
    pub subtype_label: &'static str,
}

impl KindView {
    /// The labels of `kind` and `subtype` (empty for a code the catalogue no longer has).
    pub fn of(kind: &str, subtype: &str, lang: Lang) -> KindView {
        KindView {
            kind: kind.to_string(),
            type_label: find_type(kind).map_or("", |t| t.entry.label(lang)),
            subtype: subtype.to_string(),
            subtype_label: find_subtype(subtype).map_or("", |s| s.label(lang)),
        }
    }
}

#[derive(Serialize)]
pub struct Labelled {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Serialize)]
pub struct TypeView {
    pub code: &'static str,
    pub label: &'static str,
    pub subtypes: Vec<Labelled>,
}

/// `GET /achievement-types`.
#[derive(Serialize)]
pub struct CatalogueResponse {
    pub types: Vec<TypeView>,
    pub sources: Vec<Labelled>,
}

pub fn view(lang: Lang) -> CatalogueResponse {
    let labelled = |e: &'static Entry| Labelled {
        code: e.code,
        label: e.label(lang),
    };
    CatalogueResponse {
        types: TYPES
            .iter()
            .map(|t| TypeView {
                code: t.entry.code,
                label: t.entry.label(lang),
                subtypes: t.subtypes.iter().map(labelled).collect(),
            })
            .collect(),
        sources: SOURCES.iter().map(labelled).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_subtypes_belong_to_one_type() {
        let mut codes: Vec<&str> = TYPES.iter().map(|t| t.entry.code).collect();
        codes.extend(TYPES.iter().flat_map(|t| t.subtypes.iter().map(|s| s.code)));
        codes.extend(SOURCES.iter().map(|s| s.code));
        let n = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), n);
        assert_eq!(
            type_of_subtype("X_CERTIFICATE").unwrap().entry.code,
            "NON_ACADEMIC"
        );
        assert_eq!(type_of_subtype("COURSE").unwrap().entry.code, "ACADEMIC");
        assert!(find_subtype("NOPE").is_none());
    }
}
