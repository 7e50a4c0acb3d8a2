//! `hub activity`: the activities a center holds.

use super::*;

#[derive(Subcommand)]
pub enum ActivityAction {
    /// Record an activity a center holds; prints its id.
    Add {
        #[arg(long)]
        center: u64,
        #[arg(long)]
        title: String,
        /// A service category code, e.g. culture_learning.
        #[arg(long)]
        category: String,
        /// Part of the center's study club (学习社).
        #[arg(long)]
        study_club: bool,
        /// YYYY-MM-DD, the center's local date.
        #[arg(long)]
        date: String,
        /// HH:MM.
        #[arg(long)]
        start: String,
        #[arg(long)]
        end: String,
        #[arg(long, default_value = "")]
        place: String,
    },
    /// A center's activities of a month, with how many came (counted visits
    /// during the activity's hours).
    List {
        #[arg(long)]
        center: u64,
        /// YYYY-MM (default: this month).
        #[arg(long)]
        month: Option<String>,
    },
}

pub(super) fn activity(
    store: &Store,
    action: ActivityAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match action {
        ActivityAction::Add {
            center,
            title,
            category,
            study_club,
            date,
            start,
            end,
            place,
        } => {
            let category = protocol::catalog::ServiceCategory::from_code(&category)
                .with_context(|| format!("--category {category:?} is not a service category code (e.g. culture_learning)"))?;
            let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .with_context(|| format!("--date {date:?}: write YYYY-MM-DD"))?;
            let id = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine)
                .add_activity(
                    center,
                    &crate::admin::activities::NewActivity {
                        title,
                        category,
                        study_club,
                        date,
                        start,
                        end,
                        place,
                    },
                )?;
            writeln!(out, "{id}")?;
        }
        ActivityAction::List { center, month } => {
            let c = store.center(center)?;
            let (_, day, _) =
                scope_and_month(store, &format!("center:{center}"), month.as_deref())?;
            let first = day.format("%Y-%m-01").to_string();
            let last = day.format("%Y-%m-31").to_string();
            writeln!(out, "id\tdate\ttime\ttitle\tcame")?;
            for a in store.activities(center, &first, &last)? {
                let came = crate::yardsticks::attendance(store, &c, &a)?;
                writeln!(
                    out,
                    "{}\t{}\t{}–{}\t{}{}\t{came}",
                    a.id,
                    a.local_date,
                    a.start,
                    a.end,
                    a.title,
                    if a.study_club { " (学习社)" } else { "" }
                )?;
            }
        }
    }
    Ok(())
}
