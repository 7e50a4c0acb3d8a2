//! `hub center` and `hub enroll-code`: the centers, and the codes a new
//! kiosk enrolls with.

use super::*;

#[derive(Subcommand)]
pub enum CenterAction {
    /// Add a center; prints its id.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
        /// The region (town, county or city) it belongs to.
        #[arg(long)]
        region: Option<u64>,
    },
    List,
    /// Place a center in a region.
    Place {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        region: u64,
    },
    /// Set what the ledger (台账) records of a center; omitted fields stay.
    Set {
        #[arg(long)]
        id: u64,
        /// The person in charge (负责人).
        #[arg(long)]
        manager: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// Founding date, YYYY-MM-DD.
        #[arg(long)]
        founded: Option<String>,
        /// 隶属关系: 县级团委, 城市街道团委, 乡镇团委, 社区团组织, 村团组织,
        /// 企业团组织, 机关事业单位团组织, 学校团组织 or 其他.
        #[arg(long)]
        affiliation: Option<String>,
        /// The last evaluation's rating: 较好, 一般 or 较差.
        #[arg(long)]
        rating: Option<String>,
        /// Ask members to check out: a scan this many minutes (5 to 720) or
        /// more after their check-in ends the visit; 0 turns it off (the
        /// default).
        #[arg(long, value_name = "MINUTES")]
        checkout_after: Option<u32>,
    },
}

pub(super) fn center(
    data: &Path,
    store: &Store,
    action: CenterAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match action {
        CenterAction::Add {
            name,
            time_zone,
            region,
        } => {
            let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
            let id = admin.add_center(&name, &time_zone, region)?;
            writeln!(out, "{id}")?
        }
        CenterAction::List => {
            for c in store.centers()? {
                writeln!(out, "{}\t{}\t{}", c.id, c.name, c.time_zone)?;
            }
        }
        CenterAction::Place { id, region } => {
            crate::admin::Admin::new(store, crate::admin::Actor::CommandLine)
                .place_center(id, region)
                .map_err(|e| hint_centers(data, e))?;
            writeln!(out, "center {id} is now in region {region}")?
        }
        CenterAction::Set {
            id,
            manager,
            phone,
            address,
            founded,
            affiliation,
            rating,
            checkout_after,
        } => {
            crate::admin::Admin::new(store, crate::admin::Actor::CommandLine)
                .set_profile(
                    id,
                    &crate::store::ledger::ProfileChange {
                        manager,
                        phone,
                        address,
                        founded,
                        affiliation,
                        rating,
                        checkout_minutes: checkout_after.map(|m| (m > 0).then_some(m)),
                    },
                )
                .map_err(|e| hint_centers(data, e))?;
            writeln!(out, "center {id} updated")?
        }
    }
    Ok(())
}

/// One-time codes a new kiosk of `center` enrolls with, one a line.
pub(super) fn enroll_codes(
    data: &Path,
    store: &Store,
    center: u64,
    valid_hours: u32,
    count: u32,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
    for _ in 0..count {
        let code = admin
            .issue_enroll_code(center, valid_hours, "")
            .map_err(|e| hint_centers(data, e))?;
        writeln!(out, "{}", code.code)?;
    }
    Ok(())
}
