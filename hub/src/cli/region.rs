//! `hub region`: the network's regions (province → city → county → town).

use super::*;

#[derive(Subcommand)]
pub enum RegionAction {
    /// Add a region; prints its id.
    Add {
        #[arg(long)]
        name: String,
        /// province, city, county or town.
        #[arg(long)]
        level: String,
        /// The region it is part of (none for the top).
        #[arg(long)]
        parent: Option<u64>,
    },
    List,
}

pub(super) fn region(
    store: &Store,
    action: RegionAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    use crate::store::users::Level;
    match action {
        RegionAction::Add {
            name,
            level,
            parent,
        } => {
            let level = Level::from_code(&level).with_context(|| {
                format!("--level {level:?}: use province, city, county or town")
            })?;
            let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
            writeln!(out, "{}", admin.add_region(&name, level, parent)?)?;
        }
        RegionAction::List => {
            for r in store.regions()? {
                let parent = r.parent_id.map(|p| p.to_string()).unwrap_or_default();
                writeln!(out, "{}\t{}\t{}\t{}", r.id, r.level.code(), r.name, parent)?;
            }
        }
    }
    Ok(())
}
