//! Newtype ids per entity: UUIDv7, generated from the injected clock so ids sort by creation time.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Timestamp;

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new id whose time part is `now`.
            pub fn new(now: Timestamp) -> Self {
                Self(new_v7(now))
            }
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::parse_str(text).ok().map(Self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    CaseId,
    ContactId,
    IdentityId,
    OrganisationId,
    MessageId,
    AttachmentId,
    UserId,
    TeamId,
    MailboxId,
    JobId,
    OutboxId,
    QuarantineId,
    TokenId,
    AuditId,
    TextBlockId,
    HandoverId,
    NotificationId,
    SavedViewId,
    SuggestionId,
    RoutingRuleId,
    SlaPolicyId,
    EscalationId,
    FollowUpId,
    SurveyId,
    AssignmentId,
);

/// UUIDv7 with a 12-bit counter in `rand_a` (RFC 9562, method 1): ids made in this process for the
/// same millisecond still sort in creation order, which timelines rely on when the clock stands
/// still (as the fake clock in tests does).
fn new_v7(now: Timestamp) -> Uuid {
    use std::sync::Mutex;
    static LAST: Mutex<(u64, u16)> = Mutex::new((0, 0));
    let ms = now.timestamp_millis().max(0) as u64;
    let (ms, counter) = {
        let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
        if ms > last.0 {
            *last = (ms, 0);
        } else if last.1 >= 0x0fff {
            // Counter exhausted: borrow the next millisecond, as RFC 9562 allows.
            *last = (last.0 + 1, 0);
        } else {
            last.1 += 1;
        }
        *last
    };
    let random: [u8; 8] = rand::random();
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70 | ((counter >> 8) as u8 & 0x0f);
    bytes[7] = counter as u8;
    bytes[8] = 0x80 | (random[0] & 0x3f);
    bytes[9..].copy_from_slice(&random[1..]);
    Uuid::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_for_the_same_instant_sort_in_creation_order() {
        let now = chrono::Utc::now();
        let ids: Vec<CaseId> = (0..5000).map(|_| CaseId::new(now)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ids[0].0.get_version_num(), 7);
    }
}
