//! The service categories of a youth center and the age bands a visitor picks from.
//!
//! The catalogue is the one the centers' founding documents prescribe (eleven
//! basic items plus the center's featured services); codes are stable on the
//! wire, labels are for people.

use serde::{Deserialize, Serialize};

/// One of the twelve service categories of a youth center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceCategory {
    IdeologicalGuidance,
    LeagueAffairs,
    VenueUse,
    ResourceIntegration,
    Employment,
    CultureLearning,
    PublicService,
    RightsProtection,
    Leisure,
    Sports,
    LifeServices,
    Featured,
}

impl ServiceCategory {
    /// Every category, in the order the documents list them.
    pub const ALL: [ServiceCategory; 12] = [
        Self::IdeologicalGuidance,
        Self::LeagueAffairs,
        Self::VenueUse,
        Self::ResourceIntegration,
        Self::Employment,
        Self::CultureLearning,
        Self::PublicService,
        Self::RightsProtection,
        Self::Leisure,
        Self::Sports,
        Self::LifeServices,
        Self::Featured,
    ];

    /// The stable wire code, e.g. `culture_learning`.
    pub fn code(self) -> &'static str {
        match self {
            Self::IdeologicalGuidance => "ideological_guidance",
            Self::LeagueAffairs => "league_affairs",
            Self::VenueUse => "venue_use",
            Self::ResourceIntegration => "resource_integration",
            Self::Employment => "employment",
            Self::CultureLearning => "culture_learning",
            Self::PublicService => "public_service",
            Self::RightsProtection => "rights_protection",
            Self::Leisure => "leisure",
            Self::Sports => "sports",
            Self::LifeServices => "life_services",
            Self::Featured => "featured",
        }
    }

    /// Parses a wire code; `None` for anything not in the catalogue.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The Chinese label used on signs and screens.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::IdeologicalGuidance => "思想引领",
            Self::LeagueAffairs => "基础团务",
            Self::VenueUse => "阵地功能",
            Self::ResourceIntegration => "整合资源",
            Self::Employment => "就业创业",
            Self::CultureLearning => "文化学习",
            Self::PublicService => "公益服务",
            Self::RightsProtection => "权益维护",
            Self::Leisure => "休闲娱乐",
            Self::Sports => "体育健身",
            Self::LifeServices => "生活服务",
            Self::Featured => "特色服务",
        }
    }

    /// The English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::IdeologicalGuidance => "Ideological guidance",
            Self::LeagueAffairs => "League affairs",
            Self::VenueUse => "Rooms and venues",
            Self::ResourceIntegration => "Resources and partners",
            Self::Employment => "Jobs and start-ups",
            Self::CultureLearning => "Culture and learning",
            Self::PublicService => "Volunteering",
            Self::RightsProtection => "Rights and counselling",
            Self::Leisure => "Leisure",
            Self::Sports => "Sports and fitness",
            Self::LifeServices => "Everyday services",
            Self::Featured => "Featured",
        }
    }
}

/// How a visit went, in a youth's own words (好差评): five faces, from
/// 非常满意 to 非常不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    VerySatisfied,
    Satisfied,
    Neutral,
    Dissatisfied,
    VeryDissatisfied,
}

impl Satisfaction {
    /// Best first, as the faces stand on the screen.
    pub const ALL: [Satisfaction; 5] = [
        Self::VerySatisfied,
        Self::Satisfied,
        Self::Neutral,
        Self::Dissatisfied,
        Self::VeryDissatisfied,
    ];

    /// The stable wire code, e.g. `very_satisfied`.
    pub fn code(self) -> &'static str {
        match self {
            Self::VerySatisfied => "very_satisfied",
            Self::Satisfied => "satisfied",
            Self::Neutral => "neutral",
            Self::Dissatisfied => "dissatisfied",
            Self::VeryDissatisfied => "very_dissatisfied",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// 5 (very satisfied) to 1 (very dissatisfied).
    pub fn score(self) -> u8 {
        match self {
            Self::VerySatisfied => 5,
            Self::Satisfied => 4,
            Self::Neutral => 3,
            Self::Dissatisfied => 2,
            Self::VeryDissatisfied => 1,
        }
    }

    /// Counted as satisfied (满意率): the two best faces.
    pub fn is_satisfied(self) -> bool {
        self.score() >= 4
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::VerySatisfied => "非常满意",
            Self::Satisfied => "满意",
            Self::Neutral => "一般",
            Self::Dissatisfied => "不满意",
            Self::VeryDissatisfied => "非常不满意",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::VerySatisfied => "Very good",
            Self::Satisfied => "Good",
            Self::Neutral => "OK",
            Self::Dissatisfied => "Poor",
            Self::VeryDissatisfied => "Very poor",
        }
    }
}

/// The age band a visitor who is not a member picks; nothing finer is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    Under14,
    From14To17,
    From18To24,
    From25To35,
    Over35,
}

impl AgeBand {
    pub const ALL: [AgeBand; 5] = [
        Self::Under14,
        Self::From14To17,
        Self::From18To24,
        Self::From25To35,
        Self::Over35,
    ];

    /// The stable wire code, e.g. `from14_to17`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Under14 => "under14",
            Self::From14To17 => "from14_to17",
            Self::From18To24 => "from18_to24",
            Self::From25To35 => "from25_to35",
            Self::Over35 => "over35",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }

    /// What the button says. In Chinese "以下" and "以上" include the
    /// number ("14岁以下" would take a 14-year-old), so the bands read
    /// "未满14岁" and "36岁及以上": no age fits two buttons.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Under14 => "未满14岁",
            Self::From14To17 => "14–17岁",
            Self::From18To24 => "18–24岁",
            Self::From25To35 => "25–35岁",
            Self::Over35 => "36岁及以上",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Under14 => "Under 14",
            Self::From14To17 => "14–17",
            Self::From18To24 => "18–24",
            Self::From25To35 => "25–35",
            Self::Over35 => "36 and over",
        }
    }

    /// The ages a band takes, in whole years (`None`: no upper bound).
    pub fn ages(self) -> (u8, Option<u8>) {
        match self {
            Self::Under14 => (0, Some(13)),
            Self::From14To17 => (14, Some(17)),
            Self::From18To24 => (18, Some(24)),
            Self::From25To35 => (25, Some(35)),
            Self::Over35 => (36, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_age_fits_exactly_one_band_and_the_labels_say_so() {
        for age in 0u8..=120 {
            let fits: Vec<AgeBand> = AgeBand::ALL
                .into_iter()
                .filter(|b| {
                    let (from, to) = b.ages();
                    age >= from && to.is_none_or(|t| age <= t)
                })
                .collect();
            assert_eq!(fits.len(), 1, "age {age}: {fits:?}");
        }
        // "以下" and "以上" include their number in Chinese: never used on a
        // bound another band also holds.
        for b in AgeBand::ALL {
            let label = b.label_zh();
            let (from, to) = b.ages();
            if label.contains("以下") {
                assert!(label.contains(&to.map(|t| t.to_string()).unwrap_or_default()));
            }
            if label.contains("以上") {
                assert!(label.contains(&from.to_string()), "{label}");
            }
        }
    }

    #[test]
    fn category_codes_round_trip_through_serde_and_from_code() {
        for c in ServiceCategory::ALL {
            let json = serde_json::to_string(&c).expect("serialize");
            assert_eq!(json, format!("\"{}\"", c.code()));
            assert_eq!(serde_json::from_str::<ServiceCategory>(&json).ok(), Some(c));
            assert_eq!(ServiceCategory::from_code(c.code()), Some(c));
        }
        assert_eq!(ServiceCategory::from_code("karaoke"), None);
    }

    #[test]
    fn age_band_codes_round_trip_through_serde_and_from_code() {
        for b in AgeBand::ALL {
            let json = serde_json::to_string(&b).expect("serialize");
            assert_eq!(json, format!("\"{}\"", b.code()));
            assert_eq!(AgeBand::from_code(b.code()), Some(b));
        }
    }
}
