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
);

fn new_v7(now: Timestamp) -> Uuid {
    let secs = now.timestamp().max(0) as u64;
    let nanos = now.timestamp_subsec_nanos();
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, nanos);
    // `new_v7` fills the remaining 74 bits from the thread-local RNG.
    Uuid::new_v7(ts)
}
