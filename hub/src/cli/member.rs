//! `hub member`: members, their QR codes, links, secrets, cards and volunteering.

use super::*;
use crate::admin::cards::Phone;

#[derive(Subcommand)]
pub enum MemberAction {
    /// Add a member; prints the member id (also their member number).
    Add {
        #[arg(long)]
        center: u64,
        /// The full name; it stays at the hub.
        #[arg(long)]
        name: String,
        /// What kiosks show (default: derived, e.g. 林小雨 → 林同学).
        #[arg(long)]
        display_name: Option<String>,
        /// Register the member as a volunteer too.
        #[arg(long)]
        volunteer: bool,
        /// A phone number (tells them from a namesake on the roster).
        #[arg(long)]
        phone: Option<String>,
        /// Year of birth.
        #[arg(long)]
        birth_year: Option<u16>,
    },
    /// Register a member as a volunteer (who may start and end shifts at the
    /// kiosks), or with --off no longer.
    Volunteer {
        #[arg(long)]
        id: u32,
        #[arg(long)]
        off: bool,
    },
    /// Print a signed QR payload for a member.
    Token {
        #[arg(long)]
        id: u32,
        /// Seconds until it expires.
        #[arg(long, default_value_t = 300)]
        ttl: u32,
        /// Also write the QR code as a PNG image here.
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Print a long-lived card QR for a member without a smartphone. Each new
    /// card replaces the previous one: the old card is refused after the next sync.
    Qr {
        #[arg(long)]
        id: u32,
        /// The QR code as a PNG image.
        #[arg(long)]
        out: PathBuf,
        /// Days the card stays valid.
        #[arg(long, default_value_t = 3 * 365)]
        valid_days: u32,
    },
    /// Print a sheet of card QR codes (HTML, ready to print) for a center's members.
    CardSheet {
        #[arg(long)]
        center: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 3 * 365)]
        valid_days: u32,
    },
    /// Bind an NFC/RFID card (its UID in hex) to a member; kiosks learn it at their next sync.
    BindCard {
        #[arg(long)]
        id: u32,
        /// The UID as the reader shows it, e.g. 04A1B2C3 or 04:a1:b2:c3.
        #[arg(long)]
        uid: String,
    },
    /// Print a personal link to the member's phone page (their QR code,
    /// renewed every minute). A new link replaces the previous one.
    Link {
        #[arg(long)]
        id: u32,
        /// The hub's address as members' phones reach it.
        #[arg(long, env = "HUB_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    /// Print a new secret with which the member logs in on their phone at
    /// BASE_URL/m (with their member number) to see their QR code. A new
    /// secret replaces the old one and logs out every phone that used it.
    Secret {
        #[arg(long)]
        id: u32,
        /// The hub's address as members' phones reach it.
        #[arg(long, env = "HUB_PUBLIC_URL", default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
    List {
        #[arg(long)]
        center: u64,
    },
    /// Stop all of a member's codes, cards and number from being accepted
    /// (kiosks learn it at their next sync).
    #[command(alias = "deactivate")]
    Revoke {
        #[arg(long)]
        id: u32,
    },
    /// Accept a revoked member again (their printed card only if it is
    /// still the newest one).
    Restore {
        #[arg(long)]
        id: u32,
    },
}

pub(super) fn member(
    data: &Path,
    store: &Store,
    action: MemberAction,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    // Changes go through the service: checked once, and recorded.
    let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
    match action {
        MemberAction::Add {
            center,
            name,
            display_name,
            volunteer,
            phone,
            birth_year,
        } => {
            let new = crate::store::NewMember {
                name,
                display_name,
                volunteer,
                phone,
                birth_year,
            };
            let id = admin
                .add_member(center, &new)
                .map_err(|e| hint_centers(data, e))?;
            writeln!(out, "{id}")?;
        }
        MemberAction::Volunteer { id, off } => {
            admin.set_member_volunteer(id, !off)?;
            if off {
                writeln!(out, "member {id} is no longer a volunteer")?;
            } else {
                writeln!(
                    out,
                    "member {id} is a volunteer: they can start and end shifts at the kiosks after their next sync"
                )?;
            }
        }
        MemberAction::Token { id, ttl, png } => {
            let m = store.member(id)?;
            anyhow::ensure!(m.active, "member {id} is deactivated; no code is issued");
            let key = crate::keys::load_or_create(data)?;
            let expires_at = u32::try_from(crate::store::now_ms() / 1000 + i64::from(ttl))
                .context("expiry out of range")?;
            let token = protocol::token::Claims {
                key_id: crate::keys::CURRENT_KEY_ID,
                member_id: id,
                expires_at,
            }
            .sign(&key);
            if let Some(path) = png {
                let (_, img) = crate::qr::image(&token)?;
                img.save(&path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            writeln!(out, "{token}")?;
        }
        MemberAction::Link { id, base_url } => {
            let made = admin.phone_login(id, Phone::Link)?;
            let secret = made.link.unwrap_or_default();
            writeln!(out, "{}/m/{secret}", base_url.trim_end_matches('/'))?;
        }
        MemberAction::Secret { id, base_url } => {
            let made = admin.phone_login(id, Phone::Secret)?;
            let secret = made.secret.unwrap_or_default();
            writeln!(out, "{secret}")?;
            eprintln!(
                "member {id} logs in at {}/m with member number {id} and this secret",
                base_url.trim_end_matches('/')
            );
        }
        MemberAction::List { center } => {
            for m in store.members(center)? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}{}",
                    m.id,
                    m.display_name,
                    m.full_name,
                    if m.active { "active" } else { "inactive" },
                    if m.volunteer { "\tvolunteer" } else { "" }
                )?;
            }
        }
        MemberAction::Revoke { id } => {
            admin.set_member_active(id, false)?;
            writeln!(
                out,
                "member {id} revoked: codes, cards and number are refused after the next sync"
            )?;
        }
        MemberAction::Restore { id } => {
            admin.set_member_active(id, true)?;
            writeln!(
                out,
                "member {id} restored: accepted again after the kiosks' next sync"
            )?;
        }
        MemberAction::Qr {
            id,
            out: path,
            valid_days,
        } => {
            let m = store.member(id)?;
            let key = crate::keys::load_or_create(data)?;
            let (_, cards) = admin.print_cards(m.center_id, Some(id), &key, valid_days)?;
            let token = cards
                .into_iter()
                .next()
                .map(|(_, token)| token)
                .context("no card was made")?;
            let (_, img) = crate::qr::image(&token)?;
            img.save(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "{token}")?;
        }
        MemberAction::CardSheet {
            center,
            out: path,
            valid_days,
        } => {
            let key = crate::keys::load_or_create(data)?;
            let (c, cards) = admin
                .print_cards(center, None, &key, valid_days)
                .map_err(|e| hint_centers(data, e))?;
            let html = crate::cards::sheet(&c.name, &cards)?;
            std::fs::write(&path, html)
                .with_context(|| format!("cannot write {}", path.display()))?;
            writeln!(out, "{} cards written to {}", cards.len(), path.display())?;
        }
        MemberAction::BindCard { id, uid } => {
            match admin.bind_card_number(id, &uid, &crate::keys::card_key(data)?)? {
                Some(previous) => {
                    writeln!(out, "card moved from member {previous} to member {id}")?
                }
                None => writeln!(out, "card bound to member {id}")?,
            }
        }
    }
    Ok(())
}
