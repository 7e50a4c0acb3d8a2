//! `hub user`: dashboard users: add, list, disable, a new password.

use super::*;

#[derive(Subcommand)]
pub enum UserAction {
    /// Add a dashboard user; the password (10 characters or more) is read
    /// from standard input and only its Argon2id hash is kept.
    Add {
        #[arg(long)]
        login: String,
        /// staff (a center's staff) or admin.
        #[arg(long)]
        role: String,
        /// What they see: center:ID, or region:ID for every center below it.
        #[arg(long)]
        scope: String,
        /// Read the password from standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users (disabled ones marked).
    List,
    /// Take a user's access away at once: their sessions end, and their
    /// login is answered as an unknown one. `passwd` gives it back.
    Disable {
        #[arg(long)]
        login: String,
    },
    /// Set a user's new password (read from standard input; 10 characters
    /// or more, not a few repeated); their sessions end at once.
    Passwd {
        #[arg(long)]
        login: String,
        /// Read the password from standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
}

pub(super) fn user(store: &Store, action: UserAction, out: &mut impl Write) -> anyhow::Result<()> {
    use crate::store::users::{Role, Scope};
    // Changes go through the service: checked once, and recorded.
    let admin = crate::admin::Admin::new(store, crate::admin::Actor::CommandLine);
    match action {
        UserAction::Add {
            login,
            role,
            scope,
            password_stdin,
        } => {
            let role = Role::from_code(&role)
                .with_context(|| format!("--role {role:?}: use staff or admin"))?;
            let scope = Scope::parse(&scope)
                .with_context(|| format!("--scope {scope:?}: use center:ID or region:ID"))?;
            let password = password_from_stdin(password_stdin)?;
            let id = admin.add_user(&login, &password, role, scope)?;
            writeln!(out, "{id}")?;
        }
        UserAction::List => {
            let disabled = store.disabled_users()?;
            for u in store.users()? {
                let scope = match u.scope {
                    Scope::Center(id) => format!("center:{id}"),
                    Scope::Region(id) => format!("region:{id}"),
                };
                let state = if disabled.contains(&u.id) {
                    "\tdisabled"
                } else {
                    ""
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{scope}{state}",
                    u.id,
                    u.login,
                    u.role.code()
                )?;
            }
        }
        UserAction::Disable { login } => {
            let u = admin.disable_user(&login)?;
            writeln!(out, "{} disabled; their sessions have ended", u.login)?;
        }
        UserAction::Passwd {
            login,
            password_stdin,
        } => {
            let password = password_from_stdin(password_stdin)?;
            let u = admin.set_user_password(&login, &password)?;
            writeln!(
                out,
                "new password set for {}; their sessions have ended",
                u.login
            )?;
        }
    }
    Ok(())
}

/// A password typed on standard input (never on the command line, where
/// other users of the machine can see it).
pub(super) fn password_from_stdin(password_stdin: bool) -> anyhow::Result<String> {
    anyhow::ensure!(
        password_stdin,
        "pass --password-stdin and give the password on standard input \
         (never on the command line, where other users can see it)"
    );
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}
