//! `hub integration`: platforms above the hub that pull attendance and
//! activities, each with a token limited to a part of the network.

use super::*;

#[derive(Subcommand)]
pub enum IntegrationAction {
    /// A new client limited to a part of the network; prints its token once.
    Add {
        #[arg(long)]
        name: String,
        /// `region:ID` (a city, county or town and everything below) or `center:ID`.
        #[arg(long)]
        scope: String,
        /// Also push changed days to this address (a signed POST, retried
        /// until accepted); prints the signing secret on a second line.
        #[arg(long)]
        webhook: Option<String>,
    },
    List,
    /// Stop a client's token.
    Revoke {
        #[arg(long)]
        id: u64,
    },
}
pub(super) fn integration(
    store: &Store,
    action: IntegrationAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match action {
        IntegrationAction::Add {
            name,
            scope,
            webhook,
        } => {
            let scope = crate::store::users::Scope::parse(&scope)
                .with_context(|| format!("scope {scope:?} is not region:ID or center:ID"))?;
            match webhook {
                None => {
                    let (id, token) = store.add_integration(&name, scope)?;
                    eprintln!(
                        "integration {id} added; its token (shown once, keep it secret) follows"
                    );
                    writeln!(out, "{token}")?;
                }
                Some(url) => {
                    let (id, token, secret) =
                        store.add_integration_with_webhook(&name, scope, &url)?;
                    eprintln!(
                        "integration {id} added; its token, then its webhook signing secret \
                             (shown once, keep them secret) follow"
                    );
                    writeln!(out, "{token}\n{secret}")?;
                }
            }
        }
        IntegrationAction::List => {
            writeln!(out, "id\tscope\tstate\tname")?;
            for (i, revoked) in store.integrations()? {
                let (kind, sid) = i.scope.columns();
                writeln!(
                    out,
                    "{}\t{kind}:{sid}\t{}\t{}",
                    i.id,
                    if revoked { "revoked" } else { "active" },
                    i.name
                )?;
            }
        }
        IntegrationAction::Revoke { id } => {
            anyhow::ensure!(
                store.revoke_integration(id)?,
                "no active integration {id} (see `hub integration list`)"
            );
            writeln!(out, "integration {id} revoked")?;
        }
    }
    Ok(())
}
