//! `hub release`: the kiosk's software, published to rings of kiosks.

use super::*;

#[derive(Subcommand)]
pub enum ReleaseAction {
    /// Sign a build of the kiosk (its .deb, as scripts/package-deb.sh makes
    /// it) for a ring of kiosks. They fetch it in the background and switch
    /// at a quiet moment at the door; one that does not start goes back by
    /// itself and raises an alert. Publishing a version again gives it a
    /// new ring: start with one center, then its county, then everyone.
    Publish {
        /// The kiosk's package, e.g. youth-kiosk_0.2.0_arm64.deb.
        file: PathBuf,
        /// `center:ID` (one center's kiosks), `region:ID` (every center under
        /// a city, county or town) or `all`.
        #[arg(long)]
        ring: String,
    },
    /// The releases published, with their rings.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Stop offering a release: kiosks running it go back to the highest
    /// one still offered to them, or to their image's own.
    Withdraw {
        version: String,
        /// The architecture (`arm64`, `amd64`, `armhf`).
        #[arg(long)]
        arch: String,
    },
}

pub(super) fn release(
    data: &Path,
    store: &Store,
    action: ReleaseAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    use protocol::release::{Ring, Version};
    let repo = crate::content::Repo::new(data);
    anyhow::ensure!(
        repo.is_initialized(),
        "content signing is not set up; run `hub content init --root-key-out FILE` first"
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
    match action {
        ReleaseAction::Publish { file, ring } => {
            let ring: Ring = ring.parse()?;
            let whom = match ring {
                Ring::All => "every kiosk".to_string(),
                Ring::Center(id) => {
                    let c = store.center(id).map_err(|e| hint_centers(data, e))?;
                    format!("the kiosks of {}", c.name)
                }
                Ring::Region(id) => format!("the kiosks under {}", store.region(id)?.name),
            };
            eprintln!("checking and signing {} …", file.display());
            let r = rt.block_on(repo.publish_release(&file, ring))?;
            admin.note_release("release.publish", &r.info)?;
            eprintln!(
                "release {} for {} ({} MB) published to {whom}; they switch at a quiet moment \
                 (`hub device list` shows each kiosk's version)",
                r.info.version,
                r.info.arch,
                r.bytes.div_ceil(1 << 20)
            );
            writeln!(out, "{}", r.info.target_name())?;
        }
        ReleaseAction::List { json } => {
            let releases = rt.block_on(repo.releases())?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&releases)?)?;
            } else if releases.is_empty() {
                eprintln!("no release published: every kiosk runs its image's own version");
            } else {
                for r in releases {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{} MB\tsha256:{}",
                        r.info.version,
                        r.info.arch,
                        r.info.ring,
                        r.bytes.div_ceil(1 << 20),
                        r.sha256
                    )?;
                }
            }
        }
        ReleaseAction::Withdraw { version, arch } => {
            let version: Version = version.parse()?;
            let r = rt.block_on(repo.withdraw_release(&arch, &version))?;
            admin.note_release("release.withdraw", &r.info)?;
            eprintln!(
                "release {} for {} withdrawn; its kiosks go back at a quiet moment",
                r.info.version, r.info.arch
            );
        }
    }
    Ok(())
}
