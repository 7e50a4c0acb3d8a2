//! Request and response bodies of the hub's `/api/v1` API, as JSON.
//!
//! Fields added later get `#[serde(default)]` and a comment naming the older
//! peers that lack them, so a kiosk and a hub of different ages still talk.

use serde::{Deserialize, Serialize};

use crate::catalog::{AgeBand, Satisfaction, ServiceCategory};

/// Most events one page may carry; the kiosk also bounds a page's bytes.
pub const MAX_PAGE_EVENTS: usize = 500;
/// Largest request body the hub accepts for an event page.
pub const MAX_PAGE_BYTES: usize = 512 * 1024;
/// Longest volunteer activity title an event keeps, in characters.
pub const MAX_ACTIVITY_CHARS: usize = 200;
/// Longest staff name on a void, in characters.
pub const MAX_ACTOR_CHARS: usize = 60;

/// `POST /api/v1/enroll`: a kiosk trades an admin's one-time code for a credential.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnrollRequest {
    pub code: String,
    /// Free text shown in the hub's device list, e.g. the host name.
    #[serde(default)]
    pub device_name: String,
    #[serde(default)]
    pub software_version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EnrollResponse {
    pub device_id: u64,
    /// The bearer secret every later call carries. Shown once, never logged.
    pub device_token: String,
    pub center: CenterInfo,
    pub signing_keys: Vec<PublicKeyInfo>,
    /// base64 of the key that turns card UIDs into the hashes the roster
    /// uses (protocol::card). Secret: shown once, never logged. Hubs of the
    /// first release did not send it; kiosks enrolled there cannot read cards.
    #[serde(default)]
    pub card_key: String,
    /// The hub's content root metadata (TUF `root.json`, as text): the keys
    /// the kiosk trusts for signed content from now on. Absent when the hub
    /// has not set up content signing (or predates it).
    #[serde(default)]
    pub content_root: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CenterInfo {
    pub id: u64,
    pub name: String,
    /// IANA zone name; a center's "day" is its local day.
    pub time_zone: String,
}

/// One of the hub's member-token verifying keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PublicKeyInfo {
    pub key_id: u16,
    /// base64 of the 32-byte ed25519 public key.
    pub public_key: String,
}

/// `GET /api/v1/sync-state`: how far the hub has the device's events.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SyncState {
    pub device_id: u64,
    /// Every event with `seq <= acked_seq` is stored at the hub.
    pub acked_seq: u64,
    /// The hub's clock (unix milliseconds), so a kiosk can tell how wrong its own is.
    pub server_time_ms: i64,
    /// The levels the kiosk's center belongs to, nearest first (town,
    /// county, city): whose signed content it shows besides its center's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<u64>,
    /// The event the hub holds at `min(acked_seq, the kiosk's last_seq)`,
    /// by its clock: when the hub's mark is beyond what the kiosk knows was
    /// acknowledged, the kiosk compares it with its own event there. The
    /// same: the hub's mark is the kiosk's own history (an answer was
    /// lost). Another: the kiosk's database is an older copy, and it sends
    /// its events again for the hub to point out the first clash. Absent
    /// from older hubs, and when the hub no longer holds that event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<Probe>,
    /// A staff member asked, on the hub's members page, that the next card
    /// tapped at this kiosk be bound to this member, until `until_ms`.
    /// Absent from older hubs (and ignored by older kiosks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_next: Option<BindNext>,
    /// The hub's address as phones reach it (`HUB_PUBLIC_URL`), when it
    /// differs from the one the kiosk uses: the kiosk's 加入 / Join code
    /// points there. Absent from older hubs (and ignored by older kiosks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// The center's activities of today and tomorrow (its local dates)
    /// that take place, with who signed up: a member who signed up is
    /// counted for theirs; others are asked which one they came for.
    /// Absent from older hubs (kiosks then ask nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<KioskActivity>,
    /// The center asks members to check out: a member's scan this many
    /// minutes or more after their check-in ends the visit. Absent: off
    /// (the default, and from older hubs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_minutes: Option<u32>,
}

/// An activity's occurrence as a kiosk checks members in to it (see
/// [`SyncState::activities`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KioskActivity {
    /// The activity's content id.
    pub id: String,
    /// Its title, in Chinese (a kiosk shows its content's words when it has
    /// the activity).
    pub title: String,
    pub date: chrono::NaiveDate,
    /// `HH:MM`, the center's local time.
    pub start: String,
    pub end: String,
    /// Places, when limited: those signed up take theirs first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    /// Members booked (not those waiting).
    #[serde(default)]
    pub booked: Vec<u32>,
    /// A room's slot members book, not an activity: the kiosk lists it
    /// among today's bookings and asks nobody about it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub room: bool,
}

/// The member the next card tapped at a kiosk is bound to (see
/// [`SyncState::bind_next`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BindNext {
    pub member_id: u32,
    /// The member's display name, for the kiosk to say whose card it is.
    pub display_name: String,
    /// Unix milliseconds; a tap after it checks in as usual.
    pub until_ms: i64,
}

/// One event as the hub holds it, told by its clock (see [`SyncState::probe`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Probe {
    pub seq: u64,
    pub boot_id: String,
    pub monotonic_ms: u64,
}

/// What a kiosk says of itself each time it asks for its mark (as query
/// parameters of `GET /sync-state`, so hubs that predate it just ignore them).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DeviceReport {
    #[serde(default)]
    pub software_version: String,
    /// The highest seq the kiosk has recorded; with the hub's mark, how
    /// many events wait on the kiosk.
    #[serde(default)]
    pub last_seq: u64,
    /// Whether the kiosk's clock is synchronised (NTP) now.
    #[serde(default)]
    pub clock_synchronized: bool,
    /// The signed content version on its screen (absent: the built-in
    /// content, or a kiosk that predates signed content).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_version: Option<u64>,
    /// Why its last content update was refused, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_error: Option<String>,
    /// Absent until the kiosk finds its database was restored from an older
    /// copy (or cloned onto another board): then a random id it chose at that
    /// moment. A lineage the hub has seen replaced by a newer one that speaks
    /// again means two boards share one credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<String>,
    /// The kiosk's Debian architecture (`arm64`, `amd64`), which releases
    /// it can run (absent from kiosks before releases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// A release that did not start on it (never ready after its tries),
    /// which it went back from and will not try again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<String>,
    /// Why the release it should run could not be fetched or unpacked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_error: Option<String>,
    /// What the kiosk holds of the board's memory (its process's
    /// proportional set size, KiB) as it reports: one that keeps growing
    /// leaks (absent from kiosks before this field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_kib: Option<u64>,
}

/// What happened at the door, as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A member checked in.
    MemberCheckIn {
        member_id: u32,
        via: CredentialKind,
        /// What the visit was for while an activity ran: the activity's
        /// content id (they came for it), or empty (an activity ran and
        /// they were just visiting). Absent when nothing ran, and from
        /// kiosks before this field (hubs then count any visit during an
        /// activity's hours for it). Older hubs ignore it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        activity: Option<String>,
    },
    /// Somebody who is not a member was counted.
    Visitor {
        age_band: AgeBand,
        purpose: ServiceCategory,
    },
    /// A staff member bound a card to a member at the kiosk; not a visit.
    /// The hub binds it and tells every kiosk of the center. First-release
    /// hubs set such events aside (they count nothing).
    CardBound {
        member_id: u32,
        /// The card's keyed hash (protocol::card), never the UID.
        card_hash: String,
    },
    /// A registered volunteer started a shift. Not a visit; the hub pairs it
    /// with the check-out that follows to count service hours. First-release
    /// hubs set such events aside.
    VolunteerIn {
        member_id: u32,
        via: CredentialKind,
        /// The activity served, by its title as the kiosk showed it (Chinese);
        /// empty for general duty at the center.
        #[serde(default)]
        activity: String,
        /// The activity's service category, when it is one of the content's.
        #[serde(default)]
        category: Option<ServiceCategory>,
    },
    /// A volunteer ended their shift.
    VolunteerOut { member_id: u32, via: CredentialKind },
    /// A staff member voided one of this device's earlier check-ins (a
    /// mistaken one). The voided event is kept, marked, and no longer
    /// counted. First-release hubs set such events aside.
    CheckInVoided {
        /// The `seq` of the voided check-in or visitor, on the same device.
        voided_seq: u64,
        reason: VoidReason,
        /// Who voided it, as the kiosk knows them: a staff card's label, or
        /// "PIN" when the staff screen was opened with the PIN.
        by: String,
    },
    /// A member checked in while activities ran, was asked which one they
    /// came for, and answered at the kiosk: the check-in `for_seq` (on the
    /// same device, recorded just before) counts for `activity`, an
    /// activity's content id, or for none (empty: just visiting). A later
    /// answer for the same check-in replaces an earlier one. Not a visit;
    /// hubs before it set such events aside (the check-in then stays
    /// "just visiting").
    ActivityChosen { for_seq: u64, activity: String },
    /// A member left: at a center that asks for it, their scan a while
    /// after checking in ends the visit. Not a visit; the hub pairs it
    /// with the check-in before it for how long people stay. Hubs before
    /// it set such events aside.
    MemberCheckOut { member_id: u32, via: CredentialKind },
    /// A member said how a visit went (好差评), at the kiosk: the visit is
    /// the member check-in `for_seq` on the same device (their last visit,
    /// asked about at their next check-in, or this one at their check-out).
    /// A later rating of the same visit replaces an earlier one. Not a
    /// visit; hubs before it set such events aside.
    Rated {
        for_seq: u64,
        satisfaction: Satisfaction,
    },
}

/// An event's kind without its fields: what both stores keep in their
/// `kind` column, and what code compares (never the spelled-out code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    MemberCheckIn,
    Visitor,
    CardBound,
    VolunteerIn,
    VolunteerOut,
    CheckInVoided,
    ActivityChosen,
    MemberCheckOut,
    Rated,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::MemberCheckIn,
        Kind::Visitor,
        Kind::CardBound,
        Kind::VolunteerIn,
        Kind::VolunteerOut,
        Kind::CheckInVoided,
        Kind::ActivityChosen,
        Kind::MemberCheckOut,
        Kind::Rated,
    ];

    /// The stable code, as serde writes the `kind` tag and as the stores keep it.
    pub fn code(self) -> &'static str {
        match self {
            Kind::MemberCheckIn => "member_check_in",
            Kind::Visitor => "visitor",
            Kind::CardBound => "card_bound",
            Kind::VolunteerIn => "volunteer_in",
            Kind::VolunteerOut => "volunteer_out",
            Kind::CheckInVoided => "check_in_voided",
            Kind::ActivityChosen => "activity_chosen",
            Kind::MemberCheckOut => "member_check_out",
            Kind::Rated => "rated",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A visit: counted in the day's figures (and the only kind a void may
    /// target).
    pub fn is_visit(self) -> bool {
        matches!(self, Kind::MemberCheckIn | Kind::Visitor)
    }
}

/// Why a staff member voided a check-in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VoidReason {
    /// Counted twice (e.g. a code and then a card).
    Duplicate,
    /// Tapped or scanned by mistake.
    Mistake,
    /// A test of the kiosk.
    Test,
    Other,
}

impl VoidReason {
    pub const ALL: [VoidReason; 4] = [
        VoidReason::Duplicate,
        VoidReason::Mistake,
        VoidReason::Test,
        VoidReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            VoidReason::Duplicate => "duplicate",
            VoidReason::Mistake => "mistake",
            VoidReason::Test => "test",
            VoidReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            VoidReason::Duplicate => "重复签到",
            VoidReason::Mistake => "误操作",
            VoidReason::Test => "测试",
            VoidReason::Other => "其他原因",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            VoidReason::Duplicate => "Counted twice",
            VoidReason::Mistake => "By mistake",
            VoidReason::Test => "A test",
            VoidReason::Other => "Other reason",
        }
    }
}

/// How a member identified themself.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    QrToken,
    MemberNumber,
    Card,
}

impl CredentialKind {
    /// The stable code, as serde writes it and as both stores keep it.
    pub fn code(self) -> &'static str {
        match self {
            CredentialKind::QrToken => "qr_token",
            CredentialKind::MemberNumber => "member_number",
            CredentialKind::Card => "card",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::QrToken, Self::MemberNumber, Self::Card]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// An event's fields as flat columns, the way both stores keep events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventColumns<'a> {
    pub kind: Kind,
    pub member_id: Option<u32>,
    pub via: Option<&'static str>,
    pub age_band: Option<&'static str>,
    pub purpose: Option<&'static str>,
    pub card_hash: Option<&'a str>,
    /// A volunteer shift's activity title; what a member check-in was for
    /// (an activity's content id, or empty: just visiting).
    pub activity: Option<&'a str>,
    /// A void's target, reason and author.
    pub voided_seq: Option<u64>,
    /// The check-in an activity choice is for (with the choice in
    /// `activity`), or the visit a rating is of (with its code in `reason`).
    pub for_seq: Option<u64>,
    pub reason: Option<&'static str>,
    pub by: Option<&'a str>,
}

impl EventKind {
    pub fn kind(&self) -> Kind {
        self.columns().kind
    }

    pub fn columns(&self) -> EventColumns<'_> {
        // Every arm names its own kind.
        let none = EventColumns {
            kind: Kind::Visitor,
            member_id: None,
            via: None,
            age_band: None,
            purpose: None,
            card_hash: None,
            activity: None,
            voided_seq: None,
            for_seq: None,
            reason: None,
            by: None,
        };
        match self {
            // The activity column holds what a check-in was for.
            EventKind::MemberCheckIn {
                member_id,
                via,
                activity,
            } => EventColumns {
                kind: Kind::MemberCheckIn,
                member_id: Some(*member_id),
                via: Some(via.code()),
                activity: activity.as_deref(),
                ..none
            },
            EventKind::Visitor { age_band, purpose } => EventColumns {
                kind: Kind::Visitor,
                age_band: Some(age_band.code()),
                purpose: Some(purpose.code()),
                ..none
            },
            EventKind::CardBound {
                member_id,
                card_hash,
            } => EventColumns {
                kind: Kind::CardBound,
                member_id: Some(*member_id),
                card_hash: Some(card_hash),
                ..none
            },
            // The purpose column holds the served activity's category.
            EventKind::VolunteerIn {
                member_id,
                via,
                activity,
                category,
            } => EventColumns {
                kind: Kind::VolunteerIn,
                member_id: Some(*member_id),
                via: Some(via.code()),
                purpose: category.map(|c| c.code()),
                activity: Some(activity),
                ..none
            },
            EventKind::VolunteerOut { member_id, via } => EventColumns {
                kind: Kind::VolunteerOut,
                member_id: Some(*member_id),
                via: Some(via.code()),
                ..none
            },
            EventKind::CheckInVoided {
                voided_seq,
                reason,
                by,
            } => EventColumns {
                kind: Kind::CheckInVoided,
                voided_seq: Some(*voided_seq),
                reason: Some(reason.code()),
                by: Some(by),
                ..none
            },
            EventKind::MemberCheckOut { member_id, via } => EventColumns {
                kind: Kind::MemberCheckOut,
                member_id: Some(*member_id),
                via: Some(via.code()),
                ..none
            },
            EventKind::ActivityChosen { for_seq, activity } => EventColumns {
                kind: Kind::ActivityChosen,
                for_seq: Some(*for_seq),
                activity: Some(activity),
                ..none
            },
            // The reason column holds a rating's code.
            EventKind::Rated {
                for_seq,
                satisfaction,
            } => EventColumns {
                kind: Kind::Rated,
                for_seq: Some(*for_seq),
                reason: Some(satisfaction.code()),
                ..none
            },
        }
    }
}

/// How much the kiosk's wall clock can be trusted when the event happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClockInfo {
    /// Random per boot, so the hub can re-time a boot's events from one known point.
    pub boot_id: String,
    /// Milliseconds since boot (CLOCK_BOOTTIME); never jumps.
    pub monotonic_ms: u64,
    /// Whether the system said its clock was synchronised (NTP) at the time.
    pub synchronized: bool,
}

/// One recorded event; `(device, seq)` is its identity everywhere.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Event {
    /// Per device, starting at 1, with no gaps.
    pub seq: u64,
    /// Wall time as the kiosk saw it (unix milliseconds).
    pub at_ms: i64,
    pub clock: ClockInfo,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// `POST /api/v1/events`: a page of events, in increasing `seq`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventPage {
    pub events: Vec<Event>,
}

/// One event of a page as the hub received it, read on its own: one that
/// cannot be used is set aside with the reason, never failing the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The seq it claims, kept even when the rest cannot be read.
    pub seq: Option<u64>,
    /// What was sent, as sent: kept with the reason when set aside, and
    /// compared with what the hub already holds under the same seq.
    pub raw: serde_json::Value,
    /// The typed event, or why it cannot be one.
    pub event: Result<Event, String>,
}

impl Received {
    /// Reads one event: its shape, its kind's fields, and numbers a
    /// database column can hold.
    pub fn read(raw: serde_json::Value) -> Received {
        let seq = raw.get("seq").and_then(|s| s.as_u64()).filter(|s| *s > 0);
        let event = match serde_json::from_value::<Event>(raw.clone()) {
            Err(e) => Err(format!("unreadable event: {e}")),
            Ok(ev) if ev.seq == 0 => Err("seq must start at 1".to_string()),
            Ok(ev) if i64::try_from(ev.seq).is_err() => {
                Err("seq is beyond any a kiosk numbers".to_string())
            }
            Ok(ev) if i64::try_from(ev.clock.monotonic_ms).is_err() => {
                Err("time since boot is beyond any a board reaches".to_string())
            }
            Ok(ev) => Ok(ev),
        };
        Received { seq, raw, event }
    }

    /// Every event of a page, each read on its own.
    pub fn page(raw: impl IntoIterator<Item = serde_json::Value>) -> Vec<Received> {
        raw.into_iter().map(Received::read).collect()
    }
}

/// The hub's answer to a page. Retrying a page is always safe.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IngestResult {
    /// The device's high-water mark after this page.
    pub acked_seq: u64,
    /// Events newly stored by this request.
    pub stored: u32,
    /// Events the hub already had (a retried page).
    pub duplicates: u32,
    /// Events the hub could not use; they are kept aside at the hub and do not
    /// hold back the mark.
    #[serde(default)]
    pub rejected: Vec<Rejected>,
    /// The first seq of the page that the hub already holds as a different
    /// event (the kiosk's database was restored from an older copy, or
    /// cloned): nothing from it on was taken, and the kiosk moves its events
    /// from there above the hub's mark before sending them again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clash: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rejected {
    pub seq: u64,
    pub reason: String,
}

/// `GET /api/v1/roster?since=REV`: members changed since a revision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RosterDelta {
    /// Revision to ask from next time.
    pub revision: u64,
    pub members: Vec<RosterEntry>,
    /// More changes wait; ask again at once with `since = revision`.
    #[serde(default)]
    pub more: bool,
}

/// What a kiosk may know of a member: a number and a name fit for a public screen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RosterEntry {
    pub member_id: u32,
    pub display_name: String,
    /// False once the member left or was suspended; their codes are refused.
    pub active: bool,
    /// Keyed hashes of the cards bound to the member (protocol::card), the
    /// whole current set. Absent from first-release hubs.
    #[serde(default)]
    pub cards: Vec<String>,
    /// Generation of the member's current printed card; older cards are refused.
    #[serde(default)]
    pub card_generation: u16,
    /// A registered volunteer, who may start and end shifts at the kiosk.
    /// Absent from hubs before volunteer hours.
    #[serde(default)]
    pub volunteer: bool,
}

/// The body of every error response from the hub.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    /// Stable machine code, e.g. `unknown_code`, `unauthorized`.
    pub error: String,
    /// A sentence for the person reading a log or a screen.
    pub message: String,
}

/// `GET /api/v1/centers/{id}/report?date=YYYY-MM-DD` and `hub report --json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DailyReport {
    pub center_id: u64,
    pub date: String,
    pub time_zone: String,
    /// Every counted visit: member check-ins plus visitors.
    pub total: u64,
    /// Member check-ins.
    pub members: u64,
    /// Distinct members who came that day.
    pub distinct_members: u64,
    /// Visitors who are not members.
    pub visitors: u64,
    /// 24 counts, local hours 0..=23.
    pub by_hour: Vec<u64>,
    /// Check-ins and visitors voided by staff that day (not in the counts
    /// above). Absent from hubs before voiding.
    #[serde(default)]
    pub voided: u64,
    /// Visitors' purposes, by category code.
    pub by_category: std::collections::BTreeMap<String, u64>,
    pub by_age_band: std::collections::BTreeMap<String, u64>,
    /// Members who checked out that day (at centers that ask for it), and
    /// how long they stayed on average, in minutes. Absent from older hubs.
    #[serde(default)]
    pub checked_out: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stay_minutes: Option<u64>,
}

#[cfg(test)]
mod tests;
