//! Figures for a center or a region on the command line: the day's report,
//! volunteer hours, the yardsticks and the ledger (台账).

use super::*;

#[derive(Subcommand)]
pub enum VolunteerAction {
    /// Hours per volunteer and activity over a period, from the shift starts
    /// and ends recorded at the center's kiosks. Shifts never ended, or ended
    /// with no start, are listed to check and not counted.
    Hours {
        #[arg(long)]
        center: u64,
        /// First day, YYYY-MM-DD (default: the first of this month).
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD or `today` (default: today).
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
    },
}
/// A center's report for a day (`today` or YYYY-MM-DD).
pub(super) fn report(
    data: &Path,
    store: &Store,
    center: u64,
    date: &str,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let c = store.center(center).map_err(|e| hint_centers(data, e))?;
    let day = crate::report::parse_date(date, c.tz())?;
    let report = crate::report::daily(store, center, day)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write!(out, "{}", crate::report::to_text(&report, &c.name))?;
    }
    Ok(())
}

pub(super) fn volunteer(
    data: &Path,
    store: &Store,
    action: VolunteerAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let VolunteerAction::Hours {
        center,
        from,
        to,
        json,
    } = action;
    let c = store.center(center).map_err(|e| hint_centers(data, e))?;
    let today = crate::report::parse_date("today", c.tz())?;
    let to = match to {
        Some(t) => crate::report::parse_date(&t, c.tz())?,
        None => today,
    };
    let from = match from {
        Some(f) => crate::report::parse_date(&f, c.tz())?,
        None => to.with_day(1).unwrap_or(to),
    };
    let r = crate::volunteer::hours(store, center, from, to, today)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&r)?)?;
    } else {
        write!(out, "{}", crate::volunteer::to_text(&r, &c.name))?;
    }
    Ok(())
}

/// The month's yardsticks of every center in a scope.
pub(super) fn yardsticks(
    store: &Store,
    scope: &str,
    month: Option<&str>,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (centers, day, today) = scope_and_month(store, scope, month)?;
    let sticks = crate::yardsticks::for_centers(store, &centers, day, today)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&sticks)?)?;
    } else {
        yardsticks_text(&sticks, out)?;
    }
    Ok(())
}

/// The ledger (台账) of every center in a scope, as CSV or XLSX by the
/// file's name.
pub(super) fn ledger(
    store: &Store,
    scope: &str,
    month: Option<&str>,
    path: &Path,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let (centers, day, today) = scope_and_month(store, scope, month)?;
    let sticks = crate::yardsticks::for_centers(store, &centers, day, today)?;
    let rows = crate::yardsticks::ledger_rows(store, &centers, &sticks)?;
    let bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => crate::yardsticks::ledger_xlsx(
            &format!("青年中心台账统计表 ({})", day.format("%Y-%m")),
            &rows,
        )?,
        Some("csv") => crate::yardsticks::ledger_csv(&rows)?,
        _ => anyhow::bail!("--out must end in .csv or .xlsx"),
    };
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(out, "{} centers written to {}", rows.len(), path.display())?;
    Ok(())
}

/// The centers of a `center:ID` / `region:ID` scope, a day of the month
/// asked for (default: today) and today, on the network's calendar.
pub(super) fn scope_and_month(
    store: &Store,
    scope: &str,
    month: Option<&str>,
) -> anyhow::Result<(
    Vec<crate::store::Center>,
    chrono::NaiveDate,
    chrono::NaiveDate,
)> {
    let scope = crate::store::users::Scope::parse(scope)
        .with_context(|| format!("--scope {scope:?}: use center:ID or region:ID"))?;
    let centers = store.centers_in(scope)?;
    anyhow::ensure!(!centers.is_empty(), "no centers in that scope");
    let today = chrono::Utc::now()
        .with_timezone(&crate::dashboard::NETWORK_TZ)
        .date_naive();
    let day = match month {
        None => today,
        Some(m) => chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .with_context(|| format!("--month {m:?}: write YYYY-MM"))?,
    };
    Ok((centers, day, today))
}

fn yardsticks_text(
    sticks: &[crate::yardsticks::Yardsticks],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mark = |m: Option<bool>| match m {
        Some(true) => "ok",
        Some(false) => "BELOW",
        None => "no data",
    };
    let pct = |p: Option<f64>| p.map(|v| format!("{v:+.0}%")).unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "center\tname\tactivities (≥2)\tparticipant-visits (≥40)\tgrowth (≈+20%)\tstudy club (≥30%)"
    )?;
    for y in sticks {
        writeln!(
            out,
            "{}\t{}\t{} {}\t{} {}\t{} {}\t{} {}",
            y.center_id,
            y.center,
            y.activities,
            mark(Some(y.activities_met)),
            y.participant_visits,
            mark(Some(y.visits_met)),
            pct(y.growth_pct),
            mark(y.growth_met),
            y.study_club_pct
                .map(|p| format!("{p:.0}%"))
                .unwrap_or_else(|| "-".into()),
            mark(y.study_club_met)
        )?;
    }
    Ok(())
}
