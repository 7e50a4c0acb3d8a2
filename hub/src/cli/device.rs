//! `hub device`: the kiosks, with their upload state, and taking one out
//! of service.

use super::*;

#[derive(Subcommand)]
pub enum DeviceAction {
    /// Every kiosk: upload state, version, alerts.
    List {
        /// One JSON array, with each kiosk's software (architecture, a
        /// release rolled back from, why a release could not be fetched).
        #[arg(long)]
        json: bool,
    },
    /// Take a kiosk out of service (stolen, broken, replaced): its
    /// credential is refused from now on; what it uploaded stays counted.
    Revoke {
        #[arg(long)]
        id: u64,
    },
}
pub(super) fn device(
    store: &Store,
    action: DeviceAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match action {
        DeviceAction::Revoke { id } => {
            crate::admin::Admin::new(store, crate::admin::Actor::CommandLine)
                .revoke_kiosk(id)
                .map_err(|e| anyhow::anyhow!("{e} (see `hub device list`)"))?;
            writeln!(
                out,
                "kiosk {id} revoked: its uploads are refused from now on"
            )?;
        }
        DeviceAction::List { json: true } => {
            let now = crate::store::now_ms();
            let mut all = Vec::new();
            for c in store.centers()? {
                all.extend(store.fleet(crate::store::users::Scope::Center(c.id), now)?);
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?;
        }
        DeviceAction::List { json: false } => {
            writeln!(
                out,
                "id\tcenter\tacked_seq\twaiting\tset_aside\tversion\tlast_seen\tname\talerts"
            )?;
            let now = crate::store::now_ms();
            for c in store.centers()? {
                for d in store.fleet(crate::store::users::Scope::Center(c.id), now)? {
                    let seen = d
                        .last_seen_ms
                        .and_then(chrono::DateTime::from_timestamp_millis)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_else(|| "never".into());
                    let alerts: Vec<&str> = d.alerts.iter().map(|a| a.text()).collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        d.device_id,
                        d.center_id,
                        d.acked_seq,
                        d.waiting
                            .map(|w| w.to_string())
                            .unwrap_or_else(|| "-".into()),
                        d.set_aside,
                        d.software_version,
                        seen,
                        d.name,
                        alerts.join("; ")
                    )?;
                }
            }
        }
    }
    Ok(())
}
