//! `hub audit`: the record of changes made through the pages, the API and
//! this command line, newest first.

use super::*;

pub(super) fn audit(
    store: &Store,
    limit: u64,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
    let entries = admin.audit(None, limit)?;
    if json {
        writeln!(out, "{}", serde_json::to_string(&entries)?)?;
        return Ok(());
    }
    writeln!(out, "id\twhen\twho\twhat\tsubject")?;
    for e in entries {
        let when = chrono::DateTime::from_timestamp_millis(e.at_ms)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        writeln!(
            out,
            "{}\t{when}\t{}\t{}\t{}",
            e.id, e.actor, e.action, e.subject
        )?;
    }
    Ok(())
}
