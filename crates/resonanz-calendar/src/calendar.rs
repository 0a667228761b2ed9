//! The business calendar: opening hours in a time zone, public holidays and closures.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::offset::LocalResult;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::hours::DAY_MINUTES;
use crate::{CalendarError, State, WeeklyHours, holidays};

/// A period (inclusive on both ends) in which the organisation is closed, e.g. 24 Dec to 1 Jan.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Closure {
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    pub name: String,
}

fn default_true() -> bool {
    true
}

/// The serialisable description of a business calendar (stored as JSON by the application).
///
/// ```json
/// {"time_zone": "Europe/Berlin", "hours": "Mo-Fr 08:00-18:00", "state": "NW",
///  "closures": [{"from": "2026-12-24", "to": "2027-01-01", "name": "Betriebsferien"}],
///  "holidays": true}
/// ```
/// `state`, `closures` and `holidays` may be left out (no state, no closures, holidays observed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. "Europe/Berlin".
    pub time_zone: String,
    /// Opening hours in [`WeeklyHours`] syntax.
    pub hours: String,
    /// Federal state code ("NW") whose holidays apply in addition to the nationwide ones.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Observe public holidays (default true).
    #[serde(default = "default_true")]
    pub holidays: bool,
}

impl CalendarSpec {
    /// Checks the spec and builds the calendar. Errors name the field ("time_zone", "hours",
    /// "state", "closures").
    pub fn compile(&self) -> Result<BusinessCalendar, CalendarError> {
        let tz_name = self.time_zone.trim();
        let tz: Tz = tz_name.parse().map_err(|_| CalendarError {
            field: "time_zone",
            message: if tz_name.is_empty() {
                "no time zone given (expected an IANA name such as \"Europe/Berlin\")".to_owned()
            } else {
                format!("unknown time zone \"{tz_name}\" (expected an IANA name such as \"Europe/Berlin\")")
            },
        })?;
        let hours = WeeklyHours::parse(&self.hours)?;
        let state = match self.state.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(State::parse(code).ok_or_else(|| CalendarError {
                field: "state",
                message: format!(
                    "unknown federal state \"{code}\" (expected one of {})",
                    State::ALL.map(State::code).join(", ")
                ),
            })?),
        };
        for c in &self.closures {
            if c.to < c.from {
                return Err(CalendarError {
                    field: "closures",
                    message: format!("closure \"{}\" ends ({}) before it starts ({})", c.name, c.to, c.from),
                });
            }
        }
        Ok(BusinessCalendar::new(tz, hours, state, self.closures.clone(), self.holidays))
    }
}

/// Years whose data (closed days, local midnights) are cached in the calendar, lazily per year.
const CACHE_FIRST_YEAR: i32 = 1990;
const CACHE_YEARS: usize = 160;
/// A year's table of local midnights is built after this many midnight look-ups in that year, so
/// a calendar used for a handful of calls never pays for it, and a long-lived one soon does.
const BUILD_MIDNIGHTS_AFTER: u32 = 64;
/// `add_business_time` gives up after this many consecutive days without open time.
const MAX_IDLE_DAYS: u32 = 732;
const NANOS: i128 = 1_000_000_000;
const DAY_SECONDS: i64 = 86_400;

/// Closed days of one year (holidays if observed, closures), one bit per day of the year.
type YearMask = [u64; 6];

#[derive(Default)]
struct YearCache {
    closed: OnceLock<YearMask>,
    /// The instant (Unix seconds) of each local midnight of the year, by `ordinal0`.
    midnights: OnceLock<Box<[i64]>>,
    midnight_lookups: AtomicU32,
}

/// A business calendar: weekly opening hours in local wall time of a time zone, public holidays of
/// an optional federal state, and closures. See the crate documentation for the model.
///
/// Build it once and reuse it: it caches per year which days are closed and when local midnights
/// fall. Cloning is cheap and clones share that cache.
#[derive(Clone)]
pub struct BusinessCalendar {
    tz: Tz,
    hours: WeeklyHours,
    state: Option<State>,
    closures: Vec<Closure>,
    observe_holidays: bool,
    years: Arc<[YearCache]>,
}

impl fmt::Debug for BusinessCalendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusinessCalendar")
            .field("tz", &self.tz)
            .field("hours", &self.hours.to_spec_string())
            .field("state", &self.state)
            .field("closures", &self.closures)
            .field("observe_holidays", &self.observe_holidays)
            .finish_non_exhaustive()
    }
}

/// The instant of a local wall time: a nonexistent time (in a spring-forward gap) maps to the
/// first instant after the gap, an ambiguous one (fall-back) to the earlier instant.
fn local_to_utc(tz: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => first_after_gap(tz, local),
    }
}

/// The transition instant that ends the gap containing `local`: the first instant whose wall time
/// is later than `local`. Local wall time grows with the instant around a gap, so a binary search
/// over whole seconds (transitions fall on whole seconds) finds it.
fn first_after_gap(tz: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let naive_utc = local.and_utc();
    let wall = |secs: i64| -> Option<NaiveDateTime> {
        let t = DateTime::<Utc>::from_timestamp(secs, 0)?;
        Some(t.with_timezone(tz).naive_local())
    };
    // Offsets lie within ±26 h, so the transition is within this window.
    let mut lo = naive_utc.timestamp() - 26 * 3600; // wall time before `local`
    let mut hi = naive_utc.timestamp() + 26 * 3600; // wall time after `local`
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match wall(mid) {
            Some(w) if w > local => hi = mid,
            Some(_) => lo = mid,
            None => break,
        }
    }
    DateTime::<Utc>::from_timestamp(hi, 0).unwrap_or(naive_utc)
}

/// German weekday name, for `closed_reason`.
fn weekday_de(date: NaiveDate) -> &'static str {
    ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
        [date.weekday().num_days_from_monday() as usize]
}

/// Instants inside the calculations are nanoseconds since the Unix epoch.
fn to_ns(t: DateTime<Utc>) -> i128 {
    i128::from(t.timestamp()) * NANOS + i128::from(t.timestamp_subsec_nanos())
}

fn from_ns(ns: i128) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(ns.div_euclid(NANOS)).ok()?;
    let nanos = u32::try_from(ns.rem_euclid(NANOS)).ok()?;
    DateTime::<Utc>::from_timestamp(secs, nanos)
}

fn duration_ns(d: Duration) -> i128 {
    i128::from(d.num_seconds()) * NANOS + i128::from(d.subsec_nanos())
}

fn ns_duration(ns: i128) -> Duration {
    let secs = i64::try_from(ns.div_euclid(NANOS)).unwrap_or(i64::MAX);
    let nanos = u32::try_from(ns.rem_euclid(NANOS)).unwrap_or(0);
    Duration::new(secs, nanos).unwrap_or(Duration::MAX)
}

/// Walks days and yields their open intervals as instants, reusing the previous day's end.
struct DayWalker<'a> {
    cal: &'a BusinessCalendar,
    /// The local midnight (Unix seconds) that starts `cached.0`.
    cached: Option<(NaiveDate, i64)>,
}

impl<'a> DayWalker<'a> {
    fn new(cal: &'a BusinessCalendar) -> Self {
        DayWalker { cal, cached: None }
    }

    fn midnight(&mut self, date: NaiveDate) -> i64 {
        match self.cached {
            Some((d, t)) if d == date => t,
            _ => self.cal.midnight(date),
        }
    }

    /// The local date whose day contains `t`: the last date whose midnight is not after `t`. No
    /// open interval of an earlier date ends after `t`'s day begins.
    fn day_of(&mut self, t: DateTime<Utc>) -> NaiveDate {
        let t_ns = to_ns(t);
        let utc_date = t.date_naive();
        let before = |w: &mut Self, d: NaiveDate| i128::from(w.midnight(d)) * NANOS <= t_ns;
        if before(self, utc_date) {
            match utc_date.succ_opt() {
                Some(next) if before(self, next) => next,
                _ => utc_date,
            }
        } else {
            utc_date.pred_opt().unwrap_or(utc_date)
        }
    }

    /// Calls `f(start, end)` for the open intervals of `date` as instants, in order (possibly
    /// empty ones on clock-change days). Returns early with `f`'s `Some`. Closed days yield nothing.
    fn for_each<R>(&mut self, date: NaiveDate, mut f: impl FnMut(i128, i128) -> Option<R>) -> Option<R> {
        let intervals = self.cal.hours.intervals(date.weekday());
        if intervals.is_empty() || self.cal.is_closed_day(date) {
            return None;
        }
        let next = date.succ_opt()?;
        let mid0 = self.midnight(date);
        let mid1 = self.midnight(next);
        self.cached = Some((next, mid1));
        // A day without a clock change is 24 hours long: add minutes to midnight. Otherwise convert
        // every wall time (gap → first instant after it, ambiguous → earlier instant).
        let uniform = mid1 - mid0 == DAY_SECONDS;
        let at = |m: u16| -> i128 {
            if m == DAY_MINUTES {
                i128::from(mid1) * NANOS
            } else if uniform {
                i128::from(mid0 + i64::from(m) * 60) * NANOS
            } else {
                let time =
                    NaiveTime::from_num_seconds_from_midnight_opt(u32::from(m) * 60, 0).unwrap_or(NaiveTime::MIN);
                to_ns(local_to_utc(&self.cal.tz, date.and_time(time)))
            }
        };
        for &(s, e) in intervals {
            if let Some(r) = f(at(s), at(e)) {
                return Some(r);
            }
        }
        None
    }
}

impl BusinessCalendar {
    /// A calendar from its parts. Closures that end before they start are ignored
    /// ([`CalendarSpec::compile`] rejects them).
    pub fn new(
        tz: Tz,
        hours: WeeklyHours,
        state: Option<State>,
        closures: Vec<Closure>,
        observe_holidays: bool,
    ) -> Self {
        let mut closures: Vec<Closure> = closures.into_iter().filter(|c| c.from <= c.to).collect();
        closures.sort_by_key(|c| c.from);
        BusinessCalendar {
            tz,
            hours,
            state,
            closures,
            observe_holidays,
            years: (0..CACHE_YEARS).map(|_| YearCache::default()).collect(),
        }
    }

    /// Open around the clock, no holidays (used for safeguarding deadlines).
    pub fn always(tz: Tz) -> Self {
        BusinessCalendar::new(tz, WeeklyHours::always(), None, Vec::new(), false)
    }

    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    pub fn hours(&self) -> &WeeklyHours {
        &self.hours
    }

    pub fn state(&self) -> Option<State> {
        self.state
    }

    /// The closures, sorted by start.
    pub fn closures(&self) -> &[Closure] {
        &self.closures
    }

    pub fn observes_holidays(&self) -> bool {
        self.observe_holidays
    }

    fn year_cache(&self, year: i32) -> Option<&YearCache> {
        usize::try_from(year - CACHE_FIRST_YEAR).ok().and_then(|i| self.years.get(i))
    }

    fn compute_closed(&self, year: i32) -> YearMask {
        let mut mask = [0u64; 6];
        let mut set = |date: NaiveDate| {
            let i = date.ordinal0() as usize;
            mask[i / 64] |= 1 << (i % 64);
        };
        if self.observe_holidays {
            for h in holidays(self.state, year) {
                set(h.date);
            }
        }
        let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            return mask;
        };
        for c in &self.closures {
            let mut d = c.from.max(first);
            let to = c.to.min(last);
            while d <= to {
                set(d);
                match d.succ_opt() {
                    Some(n) => d = n,
                    None => break,
                }
            }
        }
        mask
    }

    /// A holiday (if observed) or within a closure.
    fn is_closed_day(&self, date: NaiveDate) -> bool {
        let i = date.ordinal0() as usize;
        let mask = match self.year_cache(date.year()) {
            Some(cache) => *cache.closed.get_or_init(|| self.compute_closed(date.year())),
            None => self.compute_closed(date.year()),
        };
        mask[i / 64] & (1 << (i % 64)) != 0
    }

    fn compute_midnight(&self, date: NaiveDate) -> i64 {
        local_to_utc(&self.tz, date.and_time(NaiveTime::MIN)).timestamp()
    }

    /// The instant (Unix seconds) of the local midnight starting `date`.
    fn midnight(&self, date: NaiveDate) -> i64 {
        let Some(cache) = self.year_cache(date.year()) else {
            return self.compute_midnight(date);
        };
        let table = match cache.midnights.get() {
            Some(table) => table,
            None if cache.midnight_lookups.fetch_add(1, Ordering::Relaxed) >= BUILD_MIDNIGHTS_AFTER => {
                cache.midnights.get_or_init(|| {
                    let year = date.year();
                    let mut table = Vec::with_capacity(366);
                    let mut d = NaiveDate::from_ymd_opt(year, 1, 1);
                    while let Some(day) = d.filter(|d| d.year() == year) {
                        table.push(self.compute_midnight(day));
                        d = day.succ_opt();
                    }
                    table.into_boxed_slice()
                })
            }
            None => return self.compute_midnight(date),
        };
        match table.get(date.ordinal0() as usize) {
            Some(&t) => t,
            None => self.compute_midnight(date),
        }
    }

    /// Whether the calendar is open at `t` (opening intervals are half-open: open at the opening
    /// instant, closed at the closing instant).
    pub fn is_open(&self, t: DateTime<Utc>) -> bool {
        let t_ns = to_ns(t);
        let mut walker = DayWalker::new(self);
        let day = walker.day_of(t);
        walker.for_each(day, |s, e| (s <= t_ns && t_ns < e).then_some(())).is_some()
    }

    /// Why a local date is closed: the holiday's German name ("Karfreitag", if holidays are
    /// observed), the closure's name, or for a weekday without opening hours its German name
    /// ("Sonntag"); `None` if the date has opening hours.
    pub fn closed_reason(&self, date: NaiveDate) -> Option<String> {
        if self.observe_holidays
            && let Some(name) = crate::is_holiday(self.state, date)
        {
            return Some(name.to_owned());
        }
        if let Some(c) = self.closures.iter().find(|c| c.from <= date && date <= c.to) {
            let name = c.name.trim();
            return Some(if name.is_empty() { "Schließtag".to_owned() } else { name.to_owned() });
        }
        if self.hours.intervals(date.weekday()).is_empty() {
            return Some(weekday_de(date).to_owned());
        }
        None
    }

    /// The instant at which `business` of open time has elapsed after `start`.
    ///
    /// Counting starts at `start` if the calendar is open then, otherwise at the next opening. A
    /// result at the end of an interval is the closing instant (Friday 17:00 + 1 h with hours until
    /// 18:00 is Friday 18:00). `business` of zero (or negative) gives the next open instant at or
    /// after `start`. `None` if the calendar has no open time for about two years
    /// (732 consecutive days) on the way, e.g. when it has no opening hours at all.
    pub fn add_business_time(&self, start: DateTime<Utc>, business: Duration) -> Option<DateTime<Utc>> {
        let start_ns = to_ns(start);
        let mut remaining = duration_ns(business).max(0);
        let mut walker = DayWalker::new(self);
        let mut date = walker.day_of(start);
        let mut idle_days = 0u32;
        loop {
            let mut found_open = false;
            let hit = walker.for_each(date, |s, e| {
                let from = s.max(start_ns);
                let available = e - from;
                if available <= 0 {
                    return None;
                }
                found_open = true;
                if remaining <= available {
                    return Some(from + remaining);
                }
                remaining -= available;
                None
            });
            if let Some(ns) = hit {
                return from_ns(ns);
            }
            if found_open {
                idle_days = 0;
            } else {
                idle_days += 1;
                if idle_days > MAX_IDLE_DAYS {
                    return None;
                }
            }
            date = date.succ_opt()?;
        }
    }

    /// Open time between two instants (zero if `b <= a`).
    pub fn business_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b <= a {
            return Duration::zero();
        }
        let (a_ns, b_ns) = (to_ns(a), to_ns(b));
        let mut walker = DayWalker::new(self);
        let mut date = walker.day_of(a);
        let last = walker.day_of(b);
        let mut total: i128 = 0;
        while date <= last {
            walker.for_each(date, |s, e| {
                let overlap = e.min(b_ns) - s.max(a_ns);
                if overlap > 0 {
                    total += overlap;
                }
                None::<()>
            });
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
        ns_duration(total)
    }

    /// The next open instant at or after `t` (`t` itself if open), or `None` if there is none
    /// within about two years.
    pub fn next_open(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.add_business_time(t, Duration::zero())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn ndt(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, min, 0).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        ndt(y, m, d, h, min).and_utc()
    }

    #[test]
    fn local_to_utc_handles_gap_and_overlap() {
        let tz = chrono_tz::Europe::Berlin;
        // Spring forward 2026-03-29 02:00 CET → 03:00 CEST (01:00 UTC).
        assert_eq!(local_to_utc(&tz, ndt(2026, 3, 29, 2, 0)), utc(2026, 3, 29, 1, 0));
        assert_eq!(local_to_utc(&tz, ndt(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 1, 0));
        assert_eq!(local_to_utc(&tz, ndt(2026, 3, 29, 1, 59)), utc(2026, 3, 29, 0, 59));
        assert_eq!(local_to_utc(&tz, ndt(2026, 3, 29, 3, 0)), utc(2026, 3, 29, 1, 0));
        // Fall back 2026-10-25 03:00 CEST → 02:00 CET (01:00 UTC): 02:30 is ambiguous → earlier.
        assert_eq!(local_to_utc(&tz, ndt(2026, 10, 25, 2, 30)), utc(2026, 10, 25, 0, 30));
        assert_eq!(local_to_utc(&tz, ndt(2026, 10, 25, 3, 0)), utc(2026, 10, 25, 2, 0));
        // A gap of a whole day: Samoa skipped 30 December 2011.
        let samoa = chrono_tz::Pacific::Apia;
        assert_eq!(local_to_utc(&samoa, ndt(2011, 12, 30, 12, 0)), utc(2011, 12, 30, 10, 0));
    }
}
