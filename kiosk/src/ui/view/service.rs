//! A service's page: what each service of a category is, where, when, how
//! and whom to ask, and today's activities of the category.

use super::*;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceEntryView {
    pub title: String,
    pub about: String,
    pub place: String,
    /// The service's own hours, else the center's opening hours.
    pub hours: String,
    /// The service's own steps, else the center's service process.
    pub steps: Vec<String>,
    pub ask: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceView {
    /// The category's name.
    pub title: String,
    pub entries: Vec<ServiceEntryView>,
    /// Today's activities of the category: (time, title, place).
    pub activities: Vec<(String, String, String)>,
}

/// The page of the `index`th tile of the home screen (the categories the
/// content offers, in catalogue order), on `date`; `None` past the end.
pub fn service_page(
    bundle: &ContentBundle,
    index: usize,
    en: bool,
    date: NaiveDate,
) -> Option<ServiceView> {
    let (category, services) = bundle.services_by_category().into_iter().nth(index)?;
    let center = &bundle.center;
    let text = |t: &protocol::content::Text| t.get(en).trim().to_string();
    let entries = services
        .into_iter()
        .map(|s| ServiceEntryView {
            title: text(&s.title),
            about: text(&s.about),
            place: text(&s.place),
            hours: if s.hours.is_blank() {
                text(&center.opening_hours)
            } else {
                text(&s.hours)
            },
            steps: if s.steps.is_empty() {
                &center.service_process
            } else {
                &s.steps
            }
            .iter()
            .map(text)
            .filter(|t| !t.is_empty())
            .map(|t| keep_quoted_whole(&t))
            .collect(),
            ask: text(&s.ask),
        })
        .collect();
    Some(ServiceView {
        title: if en {
            category.label_en()
        } else {
            category.label_zh()
        }
        .to_string(),
        entries,
        activities: bundle
            .activities_on(date)
            .into_iter()
            .filter(|a| a.category == category)
            .map(|a| {
                (
                    format!("{}–{}", a.start, a.end),
                    a.title.get(en).to_string(),
                    place_and_places(a, en),
                )
            })
            .collect(),
    })
}
