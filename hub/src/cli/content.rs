//! `hub content`: signed content: set up, a center's first content, publishing.

use super::*;

#[derive(Subcommand)]
pub enum ContentAction {
    /// Set up content signing: makes the root key (written to --root-key-out,
    /// to be kept offline by the network's admins; the hub keeps no copy),
    /// the hub's online keys, and an empty first version.
    Init {
        /// Where to write the root key (a new file).
        #[arg(long)]
        root_key_out: PathBuf,
    },
    /// Publish a center's content: a folder with content.json and the
    /// pictures it names, as the web editor writes it. With --region, a
    /// city's, county's or town's content.json (name, announcements,
    /// activities, emergency), shown on every center below it. Prints the
    /// new version.
    Publish {
        #[arg(long, required_unless_present = "region", conflicts_with = "region")]
        center: Option<u64>,
        #[arg(long)]
        region: Option<u64>,
        #[arg(long)]
        from: PathBuf,
    },
    /// Sign a new root with the offline root key (a new expiry, or after
    /// replacing an online key file). Prints the new root version.
    RotateRoot {
        #[arg(long)]
        root_key: PathBuf,
    },
    /// Write a new center's first content into a folder: its name, the
    /// services of every category, the 12355 hotline, a welcome; edit it,
    /// then publish it.
    Default {
        #[arg(long)]
        center: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign a center's month for the wall (`month.json`: the kiosks'
    /// "本月 / This month" slide), or every center's with a kiosk;
    /// `serve` does this every day by itself. With --json, print the
    /// figures (one JSON object per center, by line) and sign nothing.
    Month {
        #[arg(long)]
        center: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Re-sign the timestamp (`serve` does this every day by itself).
    Refresh,
    /// The version kiosks see now.
    Status,
}

pub(super) fn content(
    data: &Path,
    store: &Store,
    action: ContentAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let repo = crate::content::Repo::new(data);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match action {
        ContentAction::Init { root_key_out } => {
            rt.block_on(repo.init(&root_key_out))?;
            eprintln!(
                "content signing is set up. The root key is in {}: keep it offline with the \
                 network's admins (it is needed only to rotate the root); the hub has no copy.",
                root_key_out.display()
            );
        }
        ContentAction::Publish {
            center,
            region,
            from,
        } => {
            let (name, p) = match (center, region) {
                (Some(center), _) => {
                    let c = store.center(center).map_err(|e| hint_centers(data, e))?;
                    (c.name, rt.block_on(repo.publish(center, &from))?)
                }
                (None, Some(region)) => {
                    let r = store.region(region)?;
                    (r.name, rt.block_on(repo.publish_region(region, &from))?)
                }
                (None, None) => anyhow::bail!("say --center ID or --region ID"),
            };
            crate::admin::Admin::new(store, crate::admin::Actor::CommandLine).note_publish(&p)?;
            eprintln!(
                "published {} file(s) for {} as version {}: {}",
                p.files.len(),
                name,
                p.version,
                p.files.join(", ")
            );
            if !p.activities.is_empty() {
                eprintln!(
                    "its {} activities carry their ids in {}: keep them when you edit it, \
                     so sign-ups and counts stay with each activity",
                    p.activities.len(),
                    from.join("content.json").display()
                );
            }
            writeln!(out, "{}", p.version)?;
        }
        ContentAction::RotateRoot { root_key } => {
            let v = rt.block_on(repo.rotate_root(&root_key))?;
            writeln!(out, "{v}")?;
        }
        ContentAction::Default {
            center,
            out: folder,
        } => {
            let c = store.center(center).map_err(|e| hint_centers(data, e))?;
            crate::content::write_default(&folder, &c.name)?;
            eprintln!(
                "wrote {}'s first content to {}; edit it, then `hub content publish --center {center} --from {}`",
                c.name,
                folder.display(),
                folder.display()
            );
        }
        ContentAction::Month { center, json } => {
            let months = match center {
                Some(id) => {
                    let c = store.center(id)?;
                    vec![(id, crate::wall::month(store, &c, c.today())?)]
                }
                None => crate::wall::months(store)?,
            };
            for (id, m) in months {
                if json {
                    writeln!(out, "{}", serde_json::to_string(&m)?)?;
                } else {
                    let v = rt.block_on(repo.publish_month(id, &m))?;
                    eprintln!(
                        "center {id}: the month to {} signed; content version {v}",
                        m.as_of
                    );
                }
            }
        }
        ContentAction::Refresh => {
            let v = rt.block_on(repo.refresh_timestamp())?;
            eprintln!("timestamp re-signed; content version {v}");
        }
        ContentAction::Status => {
            if !repo.is_initialized() {
                anyhow::bail!(
                    "content signing is not set up; run `hub content init --root-key-out FILE`"
                );
            }
            writeln!(out, "{}", rt.block_on(repo.version())?)?;
        }
    }
    Ok(())
}
