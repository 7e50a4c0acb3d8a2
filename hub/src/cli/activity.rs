//! `hub activity`: the activities a center holds (added through its content).

use super::*;

#[derive(Subcommand)]
pub enum ActivityAction {
    /// Add an activity on one date to a center's content and publish it
    /// (what the content editor does); prints the activity's id.
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
        /// Places, when limited.
        #[arg(long)]
        capacity: Option<u32>,
    },
    /// A center's activities of a month, with how many came for each (those
    /// who signed up or said so at the kiosk, within its hours).
    List {
        #[arg(long)]
        center: u64,
        /// YYYY-MM (default: this month).
        #[arg(long)]
        month: Option<String>,
    },
}

pub(super) fn activity(
    data: &Path,
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
            capacity,
        } => {
            let category = protocol::catalog::ServiceCategory::from_code(&category)
                .with_context(|| format!("--category {category:?} is not a service category code (e.g. culture_learning)"))?;
            let date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .with_context(|| format!("--date {date:?}: write YYYY-MM-DD"))?;
            let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
            let c = admin.center(center).map_err(|e| hint_centers(data, e))?;
            let activity = crate::admin::activities::NewActivity {
                title,
                category,
                study_club,
                date,
                start,
                end,
                place,
                capacity,
            }
            .to_content(c.today())?;
            let repo = crate::content::Repo::new(data);
            anyhow::ensure!(
                repo.is_initialized(),
                "content signing is not set up: run `hub --data {} content init --root-key-out FILE` first",
                data.display()
            );
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let p = rt.block_on(repo.add_activity(center, &c.name, activity))?;
            admin.note_publish(&p)?;
            let id = p
                .activities
                .last()
                .and_then(|a| a.id.clone())
                .unwrap_or_default();
            eprintln!(
                "added to {}'s content and published as version {}; its kiosks show it at their next sync",
                c.name, p.version
            );
            writeln!(out, "{id}")?;
        }
        ActivityAction::List { center, month } => {
            let c = store.center(center)?;
            let (_, day, _) =
                scope_and_month(store, &format!("center:{center}"), month.as_deref())?;
            let first = day.format("%Y-%m-01").to_string();
            let last = day.format("%Y-%m-31").to_string();
            writeln!(out, "id\tdate\ttime\ttitle\tcame")?;
            let list = store.activities(center, &first, &last)?;
            let pairs: Vec<_> = list.iter().map(|a| (&c, a)).collect();
            let came = crate::yardsticks::attendances(store, &pairs)?;
            for (a, came) in list.iter().zip(came) {
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
