//! What the engine decided, and the words a youth reads for it.

use serde::Serialize;

use super::activities::{Attending, Running};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Welcome {
        /// The member's display name (never a full name); `None` for visitors
        /// and for members the roster does not know yet.
        name: Option<String>,
        seq: u64,
        visitor: bool,
        /// What a member's check-in counts for while activities run.
        attending: Attending,
    },
    /// A member checked out (at a center that asks for it); recorded, not
    /// a visit.
    CheckedOut {
        name: Option<String>,
        seq: u64,
        /// How long since their check-in here.
        minutes: i64,
    },
    /// A member answered which activity they came for (`None`: none, just
    /// visiting); recorded, not a visit.
    Attending {
        activity: Option<Running>,
    },
    /// Already checked in (or already started or ended a shift) within the
    /// repeat window: counted once.
    Repeat {
        name: Option<String>,
        /// When the first one was, `HH:MM` local time.
        previous_local_time: String,
        of: RepeatOf,
    },
    /// A volunteer started or ended a shift; recorded.
    Shift {
        name: Option<String>,
        seq: u64,
        change: ShiftChange,
    },
    Refused {
        reason: Refusal,
    },
    /// A card tapped while the hub's members page waited for one (the next
    /// card at this kiosk): now bound to the member; recorded, not a visit.
    CardBound {
        name: String,
    },
    /// A youth tapped a card nobody holds, scanned their own member code
    /// (and was checked in), and tapped the card again: it is theirs from
    /// now on.
    OwnCardBound {
        name: Option<String>,
    },
    /// Checked in (or already, `checked_in` false) by their own code just
    /// after a card nobody holds was tapped: tapping that card again binds
    /// it to them.
    ClaimCard {
        name: Option<String>,
        checked_in: bool,
    },
}

/// What a repeated scan repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatOf {
    CheckIn,
    /// Checked out just before.
    CheckOut,
    ShiftStart,
    ShiftEnd,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShiftChange {
    Started {
        /// The activity's title; empty for general duty.
        activity: String,
        /// `HH:MM` of an earlier start today on this kiosk that was never
        /// ended here: the volunteer is told, and the hub flags it.
        unclosed_since: Option<String>,
    },
    Ended {
        /// Length of the shift, when it began on this kiosk today.
        minutes: Option<i64>,
    },
}

/// Why a check-in was refused. Codes are stable for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    Expired,
    Forged,
    UnknownKey,
    UnknownMember,
    InactiveMember,
    UnknownCard,
    /// A card nobody holds, at a door that now waits for its owner's code
    /// to bind it.
    UnboundCard,
    CardReplaced,
    NotAVolunteer,
    /// An activity chosen at the kiosk has no places left for walk-ins.
    ActivityFull,
    /// An activity chosen at the kiosk is not running (any more), or the
    /// check-in the answer was for is not here.
    NotRunning,
    Garbled,
    NotEnrolled,
    StorageFull,
    StorageError,
}

impl Outcome {
    pub fn refused(reason: Refusal) -> Self {
        Outcome::Refused { reason }
    }

    /// Whether this outcome stored a new event (one for the hub).
    pub fn is_recorded(&self) -> bool {
        matches!(
            self,
            Outcome::Welcome { .. }
                | Outcome::CheckedOut { .. }
                | Outcome::Attending { .. }
                | Outcome::Shift { .. }
                | Outcome::CardBound { .. }
                | Outcome::OwnCardBound { .. }
                | Outcome::ClaimCard {
                    checked_in: true,
                    ..
                }
        )
    }

    /// One JSON object, as `kiosk headless` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Outcome::Welcome {
                name,
                seq,
                visitor,
                attending,
            } => {
                let mut json = serde_json::json!({
                    "outcome": "welcome",
                    "kind": if *visitor { "visitor" } else { "member" },
                    "name": name,
                    "seq": seq,
                });
                match attending {
                    Attending::Nothing => {}
                    Attending::Booked(r) => json["activity"] = running_json(r),
                    Attending::Ask(list) => {
                        json["ask"] = list.iter().map(running_json).collect();
                    }
                }
                json
            }
            Outcome::CheckedOut { name, seq, minutes } => serde_json::json!({
                "outcome": "checked_out",
                "name": name,
                "seq": seq,
                "minutes": minutes,
            }),
            Outcome::Attending { activity } => serde_json::json!({
                "outcome": "activity_chosen",
                "activity": activity.as_ref().map(running_json),
            }),
            Outcome::Repeat {
                name,
                previous_local_time,
                of,
            } => serde_json::json!({
                "outcome": "repeat",
                "of": match of {
                    RepeatOf::CheckIn => "check_in",
                    RepeatOf::CheckOut => "check_out",
                    RepeatOf::ShiftStart => "shift_start",
                    RepeatOf::ShiftEnd => "shift_end",
                },
                "name": name,
                "since": previous_local_time,
            }),
            Outcome::Shift {
                name,
                seq,
                change:
                    ShiftChange::Started {
                        activity,
                        unclosed_since,
                    },
            } => serde_json::json!({
                "outcome": "shift_started",
                "name": name,
                "seq": seq,
                "activity": activity,
                "unclosed_since": unclosed_since,
            }),
            Outcome::Shift {
                name,
                seq,
                change: ShiftChange::Ended { minutes },
            } => serde_json::json!({
                "outcome": "shift_ended",
                "name": name,
                "seq": seq,
                "minutes": minutes,
            }),
            Outcome::CardBound { name } => serde_json::json!({
                "outcome": "card_bound",
                "name": name,
            }),
            Outcome::OwnCardBound { name } => serde_json::json!({
                "outcome": "own_card_bound",
                "name": name,
            }),
            Outcome::ClaimCard { name, checked_in } => serde_json::json!({
                "outcome": "claim_card",
                "name": name,
                "checked_in": checked_in,
            }),
            Outcome::Refused { reason } => serde_json::json!({
                "outcome": "refused",
                "reason": reason.code(),
                "message": reason.message(false),
                "message_zh": reason.message(true),
            }),
        }
    }
}

/// A running activity as `kiosk headless` prints it.
fn running_json(r: &Running) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "title": r.title,
        "start": r.start,
        "end": r.end,
        "places_left": r.places_left,
    })
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Expired => "expired",
            Refusal::Forged => "forged",
            Refusal::UnknownKey => "unknown_key",
            Refusal::UnknownMember => "unknown_member",
            Refusal::InactiveMember => "inactive_member",
            Refusal::UnknownCard => "unknown_card",
            Refusal::UnboundCard => "unbound_card",
            Refusal::CardReplaced => "card_replaced",
            Refusal::NotAVolunteer => "not_a_volunteer",
            Refusal::ActivityFull => "activity_full",
            Refusal::NotRunning => "not_running",
            Refusal::Garbled => "garbled",
            Refusal::NotEnrolled => "not_enrolled",
            Refusal::StorageFull => "storage_full",
            Refusal::StorageError => "storage_error",
        }
    }

    pub fn from_store(e: &StoreError) -> Self {
        match e {
            StoreError::Full => Refusal::StorageFull,
            _ => Refusal::StorageError,
        }
    }

    /// The short headline shown large on screen.
    pub fn headline(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Refusal::Expired, true) => "二维码已过期",
            (Refusal::Expired, false) => "Code expired",
            (Refusal::Forged | Refusal::UnknownKey, true) => "二维码无效",
            (Refusal::Forged | Refusal::UnknownKey, false) => "Code not valid",
            (Refusal::UnknownMember, true) => "未找到会员",
            (Refusal::UnknownMember, false) => "Member not found",
            (Refusal::InactiveMember, true) => "会员已停用",
            (Refusal::InactiveMember, false) => "Membership not active",
            (Refusal::UnknownCard | Refusal::UnboundCard, true) => "卡片未登记",
            (Refusal::UnknownCard | Refusal::UnboundCard, false) => "Card not registered",
            (Refusal::CardReplaced, true) => "会员卡已更换",
            (Refusal::CardReplaced, false) => "Card replaced",
            (Refusal::NotAVolunteer, true) => "尚未登记为志愿者",
            (Refusal::NotAVolunteer, false) => "Not registered as a volunteer",
            (Refusal::ActivityFull, true) => "活动名额已满",
            (Refusal::ActivityFull, false) => "The activity is full",
            (Refusal::NotRunning, true) => "活动不在进行中",
            (Refusal::NotRunning, false) => "Not running now",
            (Refusal::Garbled, true) => "没有读清楚",
            (Refusal::Garbled, false) => "Could not read that",
            (Refusal::NotEnrolled, true) => "本机尚未连接平台",
            (Refusal::NotEnrolled, false) => "Kiosk not set up",
            (Refusal::StorageFull | Refusal::StorageError, true) => "暂时无法签到",
            (Refusal::StorageFull | Refusal::StorageError, false) => "Check-in unavailable",
        }
    }

    /// What happened and what to do, in plain words.
    pub fn message(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Refusal::Expired, true) => "这个二维码已过期，请在手机上刷新后再扫一次。",
            (Refusal::Expired, false) => {
                "This code has expired. Refresh it on your phone and scan again."
            }
            (Refusal::Forged, true) => "这个二维码无法通过验证，请向工作人员求助。",
            (Refusal::Forged, false) => {
                "This code could not be verified. Please ask a staff member."
            }
            (Refusal::UnknownKey, true) => "这个二维码不是本平台签发的，请向工作人员求助。",
            (Refusal::UnknownKey, false) => {
                "This code was not issued by our platform. Please ask a staff member."
            }
            (Refusal::UnknownMember, true) => {
                "没有找到这个会员号，请核对后再试，或向工作人员求助。"
            }
            (Refusal::UnknownMember, false) => {
                "This member number is not known here. Check it, or ask a staff member."
            }
            (Refusal::InactiveMember, true) => "这个会员账号已停用，请向工作人员求助。",
            (Refusal::InactiveMember, false) => {
                "This membership is not active. Please ask a staff member."
            }
            (Refusal::UnknownCard, true) => "这张卡还没有绑定会员，请工作人员帮你绑定。",
            (Refusal::UnknownCard, false) => {
                "This card is not linked to a member yet. A staff member can link it for you."
            }
            (Refusal::UnboundCard, true) => {
                "这张卡还没有绑定。要绑定给自己（身份证也可以）：30 秒内扫描手机上的会员码，再刷一次这张卡；也可以请工作人员帮忙。"
            }
            (Refusal::UnboundCard, false) => {
                "This card is not linked to anyone yet. To link it to yourself (an ID card works too): within 30 seconds scan the member code on your phone, then tap this card again. Or ask a staff member."
            }
            (Refusal::CardReplaced, true) => "这张会员卡已被新卡取代，请使用新卡或手机上的二维码。",
            (Refusal::CardReplaced, false) => {
                "This card has been replaced by a newer one. Use your new card or the code on your phone."
            }
            (Refusal::NotAVolunteer, true) => {
                "志愿者签到需要先登记为志愿者。请向工作人员登记；普通签到请回到首页扫码。"
            }
            (Refusal::NotAVolunteer, false) => {
                "Volunteer shifts are for registered volunteers. Ask a staff member to register you; to check in as a visitor of the center, scan on the home screen."
            }
            (Refusal::ActivityFull, true) => {
                "这个活动的名额已满，你的签到已经记下。可以问问工作人员还能否参加。"
            }
            (Refusal::ActivityFull, false) => {
                "This activity has no places left; your check-in is recorded. Ask a staff member whether you can still join."
            }
            (Refusal::NotRunning, true) => "这个活动现在不在进行中，你的签到已经记下。",
            (Refusal::NotRunning, false) => {
                "That activity is not running now; your check-in is recorded."
            }
            (Refusal::Garbled, true) => "请把二维码或会员卡对准扫描口，再扫一次。",
            (Refusal::Garbled, false) => {
                "Hold the code or card steady under the scanner and try again."
            }
            (Refusal::NotEnrolled, true) => {
                "本机还没有连接到平台，暂时只能登记访客。请告知工作人员。"
            }
            (Refusal::NotEnrolled, false) => {
                "This kiosk is not connected to the platform yet; only visitors can be counted. Please tell a staff member."
            }
            (Refusal::StorageFull, true) => "本机存储已满，签到没有保存。请告知工作人员。",
            (Refusal::StorageFull, false) => {
                "The kiosk's storage is full, so the check-in was not saved. Please tell a staff member."
            }
            (Refusal::StorageError, true) => "签到没有保存成功，请再试一次或告知工作人员。",
            (Refusal::StorageError, false) => {
                "The check-in could not be saved. Try again or tell a staff member."
            }
        }
    }
}
