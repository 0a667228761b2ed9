//! Business calendars for SLA computation: when is the organisation open, and when does a given
//! amount of open ("business") time run out?
//!
//! # Model
//!
//! * **Opening hours in local wall time.** [`WeeklyHours`] gives, for each weekday, intervals of the
//!   local clock in the calendar's IANA time zone ("Mo-Fr 08:00-18:00" means 08:00 to 18:00 on
//!   the office clock, whatever the UTC offset is that day). An interval may end at "24:00"; it
//!   cannot cross midnight, but "22:00-24:00" on one day and "00:00-06:00" on the next form one
//!   continuous stretch of open time.
//! * **Public holidays per federal state.** With `observe_holidays`, the nationwide German holidays
//!   and those of the configured [`State`] close the whole day ([`holidays`], [`is_holiday`];
//!   Easter by the Gregorian computus). Without a state only the nationwide ones apply.
//! * **Closures.** [`Closure`]s close whole local dates, both ends inclusive (company holidays,
//!   e.g. 24 December to 1 January).
//! * **Daylight saving time.** Wall times are converted to instants day by day. A wall time that
//!   does not exist (the spring-forward gap) maps to the first instant after the gap, an ambiguous
//!   one (fall-back) to the earlier instant. So in Europe/Berlin "Mo-So 00:00-24:00" gives 23 open
//!   hours on 29 March 2026 and 25 on 25 October 2026, and "08:00-18:00" is always ten hours.
//!
//! All instants in and out are [`chrono::DateTime<Utc>`]; the calendar never reads the clock.
//! [`BusinessCalendar::add_business_time`] walks whole days, never minutes: the closed days of a
//! year and, once a calendar is in steady use, the instants of its local midnights are computed
//! once per year and cached in the calendar (shared by clones), so a deadline a few business days
//! ahead costs a few microseconds. Build a calendar once and reuse it. [`CalendarSpec`] is the
//! serialisable form the application stores as JSON.

mod calendar;
mod holidays;
mod hours;

pub use calendar::{BusinessCalendar, CalendarSpec, Closure};
pub use holidays::{Holiday, State, easter_sunday, holidays, is_holiday};
pub use hours::WeeklyHours;

/// An invalid calendar setting: the field it concerns ("hours", "state", "time_zone",
/// "closures") and a message for the person who entered it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CalendarError {
    pub field: &'static str,
    pub message: String,
}
