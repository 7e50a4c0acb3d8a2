//! SQLite's migrations, in order: `PRAGMA user_version` counts them.

use super::rollups::SQLITE_PERIOD_ROLLUPS;
use super::{DROP_MONTH_INDEXES, MONTH_INDEXES};

pub(super) const SQLITE: &[&str] = &[
    // 1: centers, members, enrollment, devices, events.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
     INSERT INTO meta(key, value) VALUES ('roster_revision', 0);
     CREATE TABLE centers (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
     );
     CREATE TABLE members (
        id INTEGER PRIMARY KEY,
        center_id INTEGER NOT NULL REFERENCES centers(id),
        full_name TEXT NOT NULL,
        display_name TEXT NOT NULL,
        active INTEGER NOT NULL DEFAULT 1,
        revision INTEGER NOT NULL,
        created_at_ms INTEGER NOT NULL
     );
     CREATE INDEX members_center_revision ON members(center_id, revision);
     CREATE TABLE enroll_codes (
        code_hash TEXT PRIMARY KEY,
        center_id INTEGER NOT NULL REFERENCES centers(id),
        expires_at_ms INTEGER NOT NULL,
        used_by_device INTEGER
     );
     CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        center_id INTEGER NOT NULL REFERENCES centers(id),
        name TEXT NOT NULL,
        software_version TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        acked_seq INTEGER NOT NULL DEFAULT 0,
        enrolled_at_ms INTEGER NOT NULL,
        last_seen_ms INTEGER
     );
     CREATE TABLE events (
        device_id INTEGER NOT NULL REFERENCES devices(id),
        seq INTEGER NOT NULL,
        center_id INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        local_hour INTEGER NOT NULL,
        kind TEXT NOT NULL,
        member_id INTEGER,
        via TEXT,
        age_band TEXT,
        purpose TEXT,
        boot_id TEXT NOT NULL,
        monotonic_ms INTEGER NOT NULL,
        clock_synchronized INTEGER NOT NULL,
        received_at_ms INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq)
     ) WITHOUT ROWID;
     CREATE INDEX events_center_date ON events(center_id, local_date);
     CREATE TABLE rejected_events (
        device_id INTEGER NOT NULL,
        seq INTEGER,
        raw TEXT NOT NULL,
        reason TEXT NOT NULL,
        received_at_ms INTEGER NOT NULL,
        UNIQUE (device_id, seq)
     );",
    // 2: cards bound to members (keyed hashes only) and printed-card generations.
    "ALTER TABLE members ADD COLUMN card_generation INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE member_cards (
        card_hash TEXT PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id),
        bound_at_ms INTEGER NOT NULL
     );
     CREATE INDEX member_cards_member ON member_cards(member_id);",
    // 3: personal links to a member's phone page.
    "CREATE TABLE member_links (
        link_hash TEXT PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id),
        created_at_ms INTEGER NOT NULL,
        revoked INTEGER NOT NULL DEFAULT 0
     );",
    // 4: cards bound at a kiosk arrive as events.
    "ALTER TABLE events ADD COLUMN card_hash TEXT;",
    // 5: volunteers and their shifts.
    "ALTER TABLE members ADD COLUMN volunteer INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE events ADD COLUMN activity TEXT;
     CREATE INDEX events_volunteer ON events(center_id, local_date, member_id)
        WHERE kind IN ('volunteer_in', 'volunteer_out');",
    // 6: members log in on their phone with their number and a secret.
    "ALTER TABLE members ADD COLUMN login_hash TEXT;
     ALTER TABLE members ADD COLUMN login_failures INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE members ADD COLUMN login_locked_until_ms INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE member_sessions (
        session_hash TEXT PRIMARY KEY,
        member_id INTEGER NOT NULL REFERENCES members(id),
        expires_at_ms INTEGER NOT NULL
     );
     CREATE INDEX member_sessions_member ON member_sessions(member_id);",
    // 7: check-ins voided by staff at a kiosk: the void is an event of its
    // own, and the voided event is marked (kept, not counted).
    "ALTER TABLE events ADD COLUMN voided_seq INTEGER;
     ALTER TABLE events ADD COLUMN reason TEXT;
     ALTER TABLE events ADD COLUMN actor TEXT;
     ALTER TABLE events ADD COLUMN voided_by_seq INTEGER;",
    // 8: the network's regions, people who log in to the dashboard, and a
    // per-center daily roll-up so a year of a city reads fast.
    "CREATE TABLE regions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'town')),
        parent_id INTEGER REFERENCES regions(id),
        created_at_ms INTEGER NOT NULL
     );
     CREATE INDEX regions_parent ON regions(parent_id);
     ALTER TABLE centers ADD COLUMN region_id INTEGER REFERENCES regions(id);
     CREATE INDEX centers_region ON centers(region_id);
     CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        login TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
        scope_kind TEXT NOT NULL CHECK (scope_kind IN ('center', 'region')),
        scope_id INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until_ms INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL
     );
     CREATE TABLE user_sessions (
        session_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        csrf TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
     );
     CREATE INDEX user_sessions_user ON user_sessions(user_id);
     CREATE TABLE daily_counts (
        center_id INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        member_visits INTEGER NOT NULL DEFAULT 0,
        visitors INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (center_id, local_date)
     ) WITHOUT ROWID;
     INSERT INTO daily_counts(center_id, local_date, member_visits, visitors)
        SELECT center_id, local_date, sum(kind = 'member_check_in'), sum(kind = 'visitor')
        FROM events
        WHERE kind IN ('member_check_in', 'visitor') AND voided_by_seq IS NULL
        GROUP BY center_id, local_date;",
    // 9: what the ledger (台账) records of a center, and its activities.
    "ALTER TABLE centers ADD COLUMN manager TEXT NOT NULL DEFAULT '';
     ALTER TABLE centers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
     ALTER TABLE centers ADD COLUMN address TEXT NOT NULL DEFAULT '';
     ALTER TABLE centers ADD COLUMN founded TEXT NOT NULL DEFAULT '';
     ALTER TABLE centers ADD COLUMN affiliation TEXT NOT NULL DEFAULT '';
     ALTER TABLE centers ADD COLUMN rating TEXT NOT NULL DEFAULT '';
     CREATE TABLE activities (
        id INTEGER PRIMARY KEY,
        center_id INTEGER NOT NULL REFERENCES centers(id),
        title TEXT NOT NULL,
        category TEXT NOT NULL,
        study_club INTEGER NOT NULL DEFAULT 0,
        local_date TEXT NOT NULL,
        start TEXT NOT NULL,
        end TEXT NOT NULL,
        place TEXT NOT NULL DEFAULT '',
        created_at_ms INTEGER NOT NULL
     );
     CREATE INDEX activities_center_date ON activities(center_id, local_date);",
    // 10: what each kiosk says of itself when it syncs (the device fleet).
    "ALTER TABLE devices ADD COLUMN reported_last_seq INTEGER;
     ALTER TABLE devices ADD COLUMN clock_synchronized INTEGER;
     ALTER TABLE devices ADD COLUMN reported_at_ms INTEGER;",
    // 11: re-timing events recorded with an unsynchronised clock: each boot's
    // offset (wall − monotonic) from its first synchronised event, the
    // device's own time kept beside the corrected one.
    "ALTER TABLE events ADD COLUMN device_at_ms INTEGER;
     CREATE TABLE boot_clocks (
        device_id INTEGER NOT NULL,
        boot_id TEXT NOT NULL,
        offset_ms INTEGER NOT NULL,
        PRIMARY KEY (device_id, boot_id)
     ) WITHOUT ROWID;
     INSERT OR IGNORE INTO boot_clocks(device_id, boot_id, offset_ms)
        SELECT device_id, boot_id, at_ms - monotonic_ms FROM events
        WHERE clock_synchronized = 1 ORDER BY seq;
     CREATE INDEX events_untimed ON events(device_id, boot_id)
        WHERE clock_synchronized = 0 AND device_at_ms IS NULL;",
    // 12: one visit when a member checks in at two kiosks of a center within
    // the repeat window (both offline, or a card at one and a QR code at
    // the other): the later-arriving one is kept, marked, and not counted.
    "ALTER TABLE events ADD COLUMN same_visit_as TEXT;
     CREATE INDEX events_member_visits ON events(center_id, member_id, at_ms)
        WHERE kind = 'member_check_in' AND same_visit_as IS NULL;",
    // 13: a kiosk taken out of service (stolen, replaced): its credential
    // stops working; what it uploaded stays.
    "ALTER TABLE devices ADD COLUMN revoked_at_ms INTEGER;",
    // 14: the signed content a kiosk shows, and why it refused an update.
    "ALTER TABLE devices ADD COLUMN content_version INTEGER;
     ALTER TABLE devices ADD COLUMN content_error TEXT;",
    // 15: the platforms above the hub that pull attendance and activities.
    "CREATE TABLE integrations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        scope_kind TEXT NOT NULL,
        scope_id INTEGER NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at_ms INTEGER NOT NULL,
        revoked_at_ms INTEGER
     );",
    // 16: webhooks: where a platform wants changes pushed, which center-days
    // changed since the last push, and the deliveries not yet accepted.
    "ALTER TABLE integrations ADD COLUMN webhook_url TEXT;
     ALTER TABLE integrations ADD COLUMN webhook_secret TEXT;
     CREATE TABLE attendance_changes (
        center_id INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        PRIMARY KEY (center_id, local_date)
     ) WITHOUT ROWID;
     CREATE TABLE webhook_outbox (
        id INTEGER PRIMARY KEY,
        integration_id INTEGER NOT NULL REFERENCES integrations(id),
        body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at_ms INTEGER NOT NULL,
        delivered_at_ms INTEGER,
        last_error TEXT
     );
     CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at_ms)
        WHERE delivered_at_ms IS NULL;",
    // 17: a kiosk database restored from an older copy or cloned onto a
    // second board: when it was found, and each lineage a device's kiosks
    // have spoken for (a lineage replaced and then heard again is a second
    // board on one credential; the newer one is refused). Dashboard users
    // can be disabled.
    "ALTER TABLE devices ADD COLUMN restored_at_ms INTEGER;
     ALTER TABLE devices ADD COLUMN lineage TEXT;
     ALTER TABLE devices ADD COLUMN twin_at_ms INTEGER;
     ALTER TABLE users ADD COLUMN disabled_at_ms INTEGER;
     CREATE TABLE device_lineages (
        device_id INTEGER NOT NULL REFERENCES devices(id),
        lineage TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        refused_at_ms INTEGER,
        PRIMARY KEY (device_id, lineage)
     );",
    // 18: what staff and admins change, kept append-only for admins to
    // read (who, when, what, before and after, as JSON); members' phone and
    // birth year, to tell a youth already on the roster from a namesake.
    "CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        center_id INTEGER,
        region_id INTEGER,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        before TEXT,
        after TEXT
     );
     CREATE INDEX audit_log_center ON audit_log(center_id, id);
     CREATE INDEX audit_log_region ON audit_log(region_id, id);
     ALTER TABLE members ADD COLUMN phone TEXT;
     ALTER TABLE members ADD COLUMN birth_year INTEGER;
     CREATE INDEX members_phone ON members(center_id, phone);",
    // 19: a staff member's correction of a volunteer's shift the kiosks
    // left open or half recorded: the end set by hand, or the record left
    // out, with the reason. The kiosks' events stay as they were.
    "CREATE TABLE shift_corrections (
        device_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        center_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        end_at_ms INTEGER,
        reason TEXT NOT NULL,
        by_login TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (device_id, seq)
     );
     CREATE INDEX shift_corrections_center ON shift_corrections(center_id);",
    // 20: "the next card tapped at kiosk X": a staff member's request that a
    // kiosk bind the next card tapped to a member, until it expires.
    "CREATE TABLE pending_card_binds (
        device_id INTEGER PRIMARY KEY,
        member_id INTEGER NOT NULL,
        by_login TEXT NOT NULL,
        until_ms INTEGER NOT NULL
     );",
    // 21: activities are the ones a center publishes in its content: each
    // occurrence carries the content's stable id, held or cancelled, its
    // places, and staff's correction of how many came. Rows recorded before
    // keep no content id and stay as they were.
    "ALTER TABLE activities ADD COLUMN content_id TEXT;
     ALTER TABLE activities ADD COLUMN status TEXT NOT NULL DEFAULT 'scheduled';
     ALTER TABLE activities ADD COLUMN capacity INTEGER;
     ALTER TABLE activities ADD COLUMN attendance_override INTEGER;
     CREATE UNIQUE INDEX activities_content ON activities(center_id, content_id, local_date);",
    // 22: youths who join from their own phone: marked until staff confirm
    // them (or merge them into the member they already were), with what
    // they told at joining and their consents.
    "ALTER TABLE members ADD COLUMN self_joined INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE members ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE members ADD COLUMN merged_into INTEGER;
     CREATE TABLE member_joins (
        member_id INTEGER PRIMARY KEY,
        center_id INTEGER NOT NULL,
        school_or_work TEXT NOT NULL DEFAULT '',
        interests TEXT NOT NULL DEFAULT '',
        guardian_name TEXT NOT NULL DEFAULT '',
        guardian_phone TEXT NOT NULL DEFAULT '',
        guardian_consent_at_ms INTEGER,
        privacy_consent_at_ms INTEGER NOT NULL,
        joined_at_ms INTEGER NOT NULL
     );",
    // 23: members sign up for an activity's occurrence from their phone:
    // booked while places last, else waiting (promoted in order when a
    // booked one cancels).
    "CREATE TABLE signups (
        activity_id INTEGER NOT NULL,
        member_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        promoted INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL,
        changed_at_ms INTEGER NOT NULL,
        PRIMARY KEY (activity_id, member_id)
     );
     CREATE INDEX signups_member ON signups(member_id);",
    // 24: a member's answer at the kiosk to "which activity did you come
    // for?" names the check-in it is for.
    "ALTER TABLE events ADD COLUMN for_seq INTEGER;",
    // 25: rooms' slots members book, laid out like activities and never
    // counted as one.
    "ALTER TABLE activities ADD COLUMN room INTEGER NOT NULL DEFAULT 0;",
    // 26: a center may ask members to check out (off when NULL).
    "ALTER TABLE centers ADD COLUMN checkout_minutes INTEGER;",
    // 27: 好差评 from a member's phone: an activity they came to, rated
    // once (a second rating replaces the first), with a comment.
    "CREATE TABLE activity_ratings (
        activity_id INTEGER NOT NULL REFERENCES activities(id),
        member_id INTEGER NOT NULL REFERENCES members(id),
        satisfaction TEXT NOT NULL,
        comment TEXT NOT NULL DEFAULT '',
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (activity_id, member_id)
     );",
    // 28: a center's last evaluation (seed 001, annex 1): the ten grades,
    // the rating they give, and the end of a poor center's rectification.
    "CREATE TABLE center_evaluations (
        center_id INTEGER PRIMARY KEY REFERENCES centers(id),
        month TEXT NOT NULL,
        grades TEXT NOT NULL,
        rating TEXT NOT NULL,
        rectify_until TEXT,
        evaluated_at_ms INTEGER NOT NULL,
        evaluated_by TEXT NOT NULL
     );",
    // 29: a volunteer who chose to be thanked by their display name on the
    // center's monthly wall.
    "ALTER TABLE members ADD COLUMN on_wall INTEGER NOT NULL DEFAULT 0;",
    // 30: 我有话说: what a youth asks of a center from their phone, the staff
    // member who first opened it (首问负责), the answer, and a referral (to
    // another center, or to the 12355 hotline) with its outcome.
    "CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        center_id INTEGER NOT NULL REFERENCES centers(id),
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        contact TEXT NOT NULL DEFAULT '',
        secret_hash TEXT NOT NULL UNIQUE,
        created_at_ms INTEGER NOT NULL,
        responsible TEXT,
        opened_at_ms INTEGER,
        reply TEXT,
        answered_at_ms INTEGER,
        referred_from INTEGER REFERENCES centers(id),
        referred_to TEXT,
        referral_outcome TEXT
     );
     CREATE INDEX tickets_center ON tickets(center_id, created_at_ms);",
    // 31: what a kiosk says of its software: its architecture, a release
    // it rolled back from, why a release could not be fetched.
    "ALTER TABLE devices ADD COLUMN arch TEXT;
     ALTER TABLE devices ADD COLUMN rolled_back_from TEXT;
     ALTER TABLE devices ADD COLUMN release_error TEXT;",
    // 32: what a region's dashboard reads for a month, each from an index
    // that holds only it: the members who came (distinct), the visitors'
    // age bands and purposes, the ratings, the members who joined. Read
    // through the events' (center, date) index, a province's month was
    // every event of it fetched from the table (0.8 s of 1.6 s).
    MONTH_INDEXES,
    // 33: a center's visits by week and by month, its distinct members and
    // its visitors' age bands and purposes by month, a region's visits by
    // day, week and month, kept at ingest: a province's dashboard read a
    // year of daily rows and a month of events (0.9 s of its 1.0 s).
    SQLITE_PERIOD_ROLLUPS,
    // 34: the two month indexes of 32 that the roll-ups of 33 replaced (the
    // dashboard reads member_months and visitor_months now): each cost
    // every member check-in or visitor stored an index entry, and the
    // visitors' one on three text columns doubled the time PostgreSQL
    // took to store a visitor.
    DROP_MONTH_INDEXES,
    // 35: what a kiosk holds of its board's memory (PSS, KiB), as it last
    // said.
    "ALTER TABLE devices ADD COLUMN memory_kib INTEGER;",
];
