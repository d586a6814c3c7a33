//! The one set of category names (shared/TAXONOMY.md) used in rules, signals, cases, decisions
//! and reports, with its mapping to EU Regulation 2021/784 and the DSA kept as data.

use serde::{Deserialize, Serialize};

/// A harm category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    TerroristPropaganda,
    Recruitment,
    TravelFacilitation,
    Fundraising,
    Incitement,
    Instruction,
    Threat,
    CoordinatedAmplification,
    BanEvasion,
}

/// A context that lowers risk and never leads to an automatic action (TCO Art. 1(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    NewsReporting,
    Research,
    CounterSpeech,
    Educational,
}

/// How a category maps to the law, for reports and statements of reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LegalMapping {
    pub category: Category,
    /// What the category covers.
    pub covers: &'static str,
    /// EU 2021/784 Art. 2(7) point, or `None` where the category is not content by itself.
    pub tco_article_2_7: Option<char>,
    pub dsa_category: &'static str,
    pub dsa_keyword: &'static str,
}

const PUBSEC: &str = "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY";
const VIOLENCE: &str = "STATEMENT_CATEGORY_VIOLENCE";
const TERROR_KW: &str = "KEYWORD_TERRORIST_CONTENT";

/// The mapping table of shared/TAXONOMY.md.
pub const MAPPINGS: [LegalMapping; 9] = [
    LegalMapping {
        category: Category::TerroristPropaganda,
        covers:
            "official media releases, branded publications, glorification of attacks or fighters",
        tco_article_2_7: Some('a'),
        dsa_category: PUBSEC,
        dsa_keyword: TERROR_KW,
    },
    LegalMapping {
        category: Category::Recruitment,
        covers: "calls to join, to emigrate to a conflict zone, to contact a recruiter",
        tco_article_2_7: Some('c'),
        dsa_category: PUBSEC,
        dsa_keyword: TERROR_KW,
    },
    LegalMapping {
        category: Category::TravelFacilitation,
        covers: "routes, contacts and logistics for reaching a conflict zone",
        tco_article_2_7: Some('c'),
        dsa_category: PUBSEC,
        dsa_keyword: TERROR_KW,
    },
    LegalMapping {
        category: Category::Fundraising,
        covers: "requests for money or goods for a terrorist group or its fighters",
        tco_article_2_7: Some('b'),
        dsa_category: PUBSEC,
        dsa_keyword: TERROR_KW,
    },
    LegalMapping {
        category: Category::Incitement,
        covers: "calls to commit violence",
        tco_article_2_7: Some('a'),
        dsa_category: VIOLENCE,
        dsa_keyword: "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
    },
    LegalMapping {
        category: Category::Instruction,
        covers: "how to make or use weapons or explosives, or attack methods",
        tco_article_2_7: Some('d'),
        dsa_category: PUBSEC,
        dsa_keyword: TERROR_KW,
    },
    LegalMapping {
        category: Category::Threat,
        covers: "threats to commit an attack",
        tco_article_2_7: Some('e'),
        dsa_category: VIOLENCE,
        dsa_keyword: TERROR_KW,
    },
    LegalMapping {
        category: Category::CoordinatedAmplification,
        covers: "networks that post or repost in concert, and hashtag floods",
        tco_article_2_7: None,
        dsa_category: VIOLENCE,
        dsa_keyword: "KEYWORD_COORDINATED_HARM",
    },
    LegalMapping {
        category: Category::BanEvasion,
        covers: "a suspended actor's returning account",
        tco_article_2_7: None,
        dsa_category: "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
        dsa_keyword: "KEYWORD_INAUTHENTIC_ACCOUNTS",
    },
];

impl Category {
    pub const ALL: [Category; 9] = [
        Category::TerroristPropaganda,
        Category::Recruitment,
        Category::TravelFacilitation,
        Category::Fundraising,
        Category::Incitement,
        Category::Instruction,
        Category::Threat,
        Category::CoordinatedAmplification,
        Category::BanEvasion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::TerroristPropaganda => "terrorist_propaganda",
            Category::Recruitment => "recruitment",
            Category::TravelFacilitation => "travel_facilitation",
            Category::Fundraising => "fundraising",
            Category::Incitement => "incitement",
            Category::Instruction => "instruction",
            Category::Threat => "threat",
            Category::CoordinatedAmplification => "coordinated_amplification",
            Category::BanEvasion => "ban_evasion",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The legal mapping for this category.
    pub fn mapping(self) -> &'static LegalMapping {
        MAPPINGS
            .iter()
            .find(|m| m.category == self)
            .unwrap_or(&MAPPINGS[0])
    }
}

impl Context {
    pub const ALL: [Context; 4] = [
        Context::NewsReporting,
        Context::Research,
        Context::CounterSpeech,
        Context::Educational,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::NewsReporting => "news_reporting",
            Context::Research => "research",
            Context::CounterSpeech => "counter_speech",
            Context::Educational => "educational",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_category_is_mapped() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
            assert_eq!(c.mapping().category, c);
        }
        for c in Context::ALL {
            assert_eq!(Context::parse(c.as_str()), Some(c));
        }
    }

    /// The taxonomy in shared/ is the source of truth: every category named there exists here.
    #[test]
    fn matches_shared_taxonomy() {
        if std::env::var("VIGIL_SKIP_SHARED").as_deref() == Ok("1") {
            return;
        }
        let dir = std::env::var("VIGIL_SHARED_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
            });
        let text = std::fs::read_to_string(dir.join("TAXONOMY.md")).unwrap_or_else(|e| {
            panic!("../shared/TAXONOMY.md is missing ({e}); set VIGIL_SKIP_SHARED=1 to skip")
        });
        let mut named = Vec::new();
        for line in text.lines().filter(|l| l.starts_with("| `")) {
            let name = line.split('`').nth(1).unwrap();
            named.push(name.to_string());
        }
        for n in &named {
            assert!(
                Category::parse(n).is_some() || Context::parse(n).is_some(),
                "{n} missing"
            );
        }
        assert_eq!(named.len(), Category::ALL.len() + Context::ALL.len());
    }
}
