//! Weekly opening hours in local wall time and their text form.

use std::fmt;
use std::str::FromStr;

use chrono::{Duration, Weekday};

use crate::CalendarError;

/// Minutes in a day; an interval may end at this value ("24:00").
pub(crate) const DAY_MINUTES: u16 = 24 * 60;

const DAYS_DE: [&str; 7] = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"];
const DAYS_EN: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Opening hours per weekday (Monday first) in local wall time; several intervals a day allowed.
///
/// Each day holds sorted, disjoint, non-adjacent half-open intervals `[start, end)` in minutes
/// after local midnight, `0 <= start < end <= 1440` (an end of 1440 is written "24:00" and means
/// the following local midnight). An interval cannot cross midnight; "22:00-06:00" is written as
/// "22:00-24:00" on one day and "00:00-06:00" on the next, and a calendar treats the two as one
/// continuous stretch of open time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct WeeklyHours {
    days: [Vec<(u16, u16)>; 7],
}

fn hours_error(message: String) -> CalendarError {
    CalendarError { field: "hours", message }
}

fn parse_day(s: &str, group: &str) -> Result<usize, CalendarError> {
    let t = s.trim().trim_end_matches('.');
    DAYS_DE
        .iter()
        .position(|d| d.eq_ignore_ascii_case(t))
        .or_else(|| DAYS_EN.iter().position(|d| d.eq_ignore_ascii_case(t)))
        .ok_or_else(|| {
            let shown = if t.is_empty() { "(nothing)" } else { t };
            hours_error(format!(
                "unknown day \"{shown}\" in \"{group}\" (use Mo Di Mi Do Fr Sa So or Mo Tu We Th Fr Sa Su)"
            ))
        })
}

/// Parses "HH:MM" (or "H:MM"); 24:00 only if `allow_24`.
fn parse_time(s: &str, allow_24: bool, group: &str) -> Result<u16, CalendarError> {
    let bad = || hours_error(format!("invalid time \"{s}\" in \"{group}\" (expected HH:MM between 00:00 and 24:00)"));
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let digits = |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && m != 0) {
        return Err(bad());
    }
    if h == 24 && !allow_24 {
        return Err(hours_error(format!("\"{s}\" in \"{group}\" can only end an interval, not start one")));
    }
    Ok(h * 60 + m)
}

fn format_time(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Sorts and merges overlapping or touching intervals.
fn normalise(intervals: &mut Vec<(u16, u16)>) {
    intervals.sort_unstable();
    let mut merged: Vec<(u16, u16)> = Vec::with_capacity(intervals.len());
    for &(s, e) in intervals.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *intervals = merged;
}

impl WeeklyHours {
    /// Parses a spec such as `"Mo-Fr 08:00-18:00; Sa 09:00-13:00"`.
    ///
    /// Groups are separated by `;` (or newlines). Each group is a day list followed by a time list:
    /// days are German (`Mo Di Mi Do Fr Sa So`) or English (`Mo Tu We Th Fr Sa Su`) abbreviations,
    /// case-insensitive, as single days, ranges (`Mo-Fr`; a range may wrap around the week, `Sa-Mo`)
    /// and comma lists (`Mo,Mi,Fr-Sa`); times are comma-separated intervals `HH:MM-HH:MM`
    /// (`08:00-12:00,13:00-17:00`), where `24:00` may end an interval. A day named in several
    /// groups gets the intervals of all of them; overlapping intervals are merged.
    /// `"Mo-So 00:00-24:00"` is open around the clock.
    pub fn parse(s: &str) -> Result<Self, CalendarError> {
        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        let mut any_group = false;
        for group in s.split([';', '\n']) {
            let group = group.trim();
            if group.is_empty() {
                continue;
            }
            any_group = true;
            let Some(split) = group.find(|c: char| c.is_ascii_digit()) else {
                return Err(hours_error(format!(
                    "\"{group}\" has no opening times (expected e.g. \"Mo-Fr 08:00-18:00\")"
                )));
            };
            let (day_part, time_part) = group.split_at(split);
            if day_part.trim().is_empty() {
                return Err(hours_error(format!("\"{group}\" names no days (expected e.g. \"Mo-Fr 08:00-18:00\")")));
            }

            let mut selected = [false; 7];
            for item in day_part.split(',') {
                let item = item.trim();
                match item.split_once('-') {
                    Some((a, b)) => {
                        let a = parse_day(a, group)?;
                        let b = parse_day(b, group)?;
                        let mut i = a;
                        loop {
                            selected[i] = true;
                            if i == b {
                                break;
                            }
                            i = (i + 1) % 7;
                        }
                    }
                    None => selected[parse_day(item, group)?] = true,
                }
            }

            let mut intervals = Vec::new();
            for item in time_part.split(',') {
                let item: String = item.chars().filter(|c| !c.is_whitespace()).collect();
                let Some((a, b)) = item.split_once('-') else {
                    return Err(hours_error(format!(
                        "invalid interval \"{item}\" in \"{group}\" (expected HH:MM-HH:MM)"
                    )));
                };
                let start = parse_time(a, false, group)?;
                let end = parse_time(b, true, group)?;
                if end <= start {
                    return Err(hours_error(format!(
                        "interval \"{item}\" in \"{group}\": the end must be after the start \
                         (an interval cannot cross midnight; write e.g. \"Mo 22:00-24:00; Di 00:00-06:00\")"
                    )));
                }
                intervals.push((start, end));
            }

            for (day, chosen) in days.iter_mut().zip(selected) {
                if chosen {
                    day.extend_from_slice(&intervals);
                }
            }
        }
        if !any_group {
            return Err(hours_error("no opening hours given (expected e.g. \"Mo-Fr 08:00-18:00\")".to_owned()));
        }
        for day in &mut days {
            normalise(day);
        }
        Ok(WeeklyHours { days })
    }

    /// Open around the clock: `"Mo-So 00:00-24:00"`.
    pub fn always() -> Self {
        WeeklyHours { days: std::array::from_fn(|_| vec![(0, DAY_MINUTES)]) }
    }

    /// No opening hours at all. Its spec string is empty, which [`WeeklyHours::parse`] rejects: a
    /// configured calendar must open at some time.
    pub fn closed() -> Self {
        WeeklyHours::default()
    }

    /// True if no day has opening hours.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }

    /// The intervals of one weekday as `(start, end)` minutes after local midnight, end exclusive,
    /// at most 1440.
    pub fn intervals(&self, day: Weekday) -> &[(u16, u16)] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// Total nominal opening time per week (ignoring holidays and clock changes).
    pub fn weekly_total(&self) -> Duration {
        let minutes: i64 = self.days.iter().flatten().map(|&(s, e)| i64::from(e - s)).sum();
        Duration::minutes(minutes)
    }

    /// The canonical spec string, e.g. `"Mo-Fr 08:00-18:00; Sa 09:00-13:00"` (German day
    /// abbreviations; days with equal hours grouped). Parses back to an equal value, except for
    /// [`WeeklyHours::closed`], whose spec string is empty.
    pub fn to_spec_string(&self) -> String {
        let mut done = [false; 7];
        let mut groups: Vec<String> = Vec::new();
        for first in 0..7 {
            if done[first] || self.days[first].is_empty() {
                continue;
            }
            let same: Vec<usize> = (first..7).filter(|&d| self.days[d] == self.days[first]).collect();
            for &d in &same {
                done[d] = true;
            }
            // Runs of consecutive days become ranges.
            let mut parts: Vec<String> = Vec::new();
            let mut i = 0;
            while i < same.len() {
                let mut j = i;
                while j + 1 < same.len() && same[j + 1] == same[j] + 1 {
                    j += 1;
                }
                if j == i {
                    parts.push(DAYS_DE[same[i]].to_owned());
                } else {
                    parts.push(format!("{}-{}", DAYS_DE[same[i]], DAYS_DE[same[j]]));
                }
                i = j + 1;
            }
            let times: Vec<String> =
                self.days[first].iter().map(|&(s, e)| format!("{}-{}", format_time(s), format_time(e))).collect();
            groups.push(format!("{} {}", parts.join(","), times.join(",")));
        }
        groups.join("; ")
    }
}

impl fmt::Display for WeeklyHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_spec_string())
    }
}

impl FromStr for WeeklyHours {
    type Err = CalendarError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WeeklyHours::parse(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        let e = WeeklyHours::parse(s).unwrap_err();
        assert_eq!(e.field, "hours");
        e.message
    }

    #[test]
    fn parses_ranges_lists_and_intervals() {
        let h = WeeklyHours::parse("Mo-Fr 08:00-18:00; Sa 09:00-13:00").unwrap();
        for d in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri] {
            assert_eq!(h.intervals(d), &[(480, 1080)]);
        }
        assert_eq!(h.intervals(Weekday::Sat), &[(540, 780)]);
        assert!(h.intervals(Weekday::Sun).is_empty());
        assert_eq!(h.weekly_total(), Duration::hours(54));

        let h = WeeklyHours::parse("mo,mi 8:00-12:00, 13:00-17:00;Fr 07:30-24:00").unwrap();
        assert_eq!(h.intervals(Weekday::Mon), &[(480, 720), (780, 1020)]);
        assert_eq!(h.intervals(Weekday::Wed), &[(480, 720), (780, 1020)]);
        assert!(h.intervals(Weekday::Tue).is_empty());
        assert_eq!(h.intervals(Weekday::Fri), &[(450, 1440)]);

        // English abbreviations, wrap-around range, merging of overlaps.
        let h = WeeklyHours::parse("Sa-Mo 10:00-12:00; Su 11:00-14:00; Th 09:00-10:00").unwrap();
        assert_eq!(h.intervals(Weekday::Sat), &[(600, 720)]);
        assert_eq!(h.intervals(Weekday::Sun), &[(600, 840)]);
        assert_eq!(h.intervals(Weekday::Mon), &[(600, 720)]);
        assert_eq!(h.intervals(Weekday::Thu), &[(540, 600)]);
        assert!(h.intervals(Weekday::Tue).is_empty());

        assert_eq!(WeeklyHours::parse("Mo-So 00:00-24:00").unwrap(), WeeklyHours::always());
        assert_eq!(WeeklyHours::parse("Mo-Su 00:00-24:00").unwrap(), WeeklyHours::always());
    }

    #[test]
    fn spec_string_round_trips() {
        let cases = [
            ("Mo-Fr 08:00-18:00; Sa 09:00-13:00", "Mo-Fr 08:00-18:00; Sa 09:00-13:00"),
            ("Mo-So 00:00-24:00", "Mo-So 00:00-24:00"),
            ("Mo,Mi,Fr 08:00-12:00,13:00-17:00", "Mo,Mi,Fr 08:00-12:00,13:00-17:00"),
            ("Tu-We 09:00-17:00; Mo 09:00-17:00", "Mo-Mi 09:00-17:00"),
            ("So 10:00-11:00; Mo 10:00-11:00", "Mo,So 10:00-11:00"),
            ("Mo 08:00-12:00; Mo 12:00-14:00", "Mo 08:00-14:00"),
        ];
        for (input, canonical) in cases {
            let h = WeeklyHours::parse(input).unwrap();
            assert_eq!(h.to_spec_string(), canonical, "{input}");
            assert_eq!(WeeklyHours::parse(&h.to_spec_string()).unwrap(), h);
        }
        assert_eq!(WeeklyHours::always().to_string(), "Mo-So 00:00-24:00");
        assert_eq!(WeeklyHours::closed().to_spec_string(), "");
    }

    #[test]
    fn errors_name_the_bad_part() {
        assert_eq!(
            err("Mo-Xy 08:00-18:00"),
            "unknown day \"Xy\" in \"Mo-Xy 08:00-18:00\" (use Mo Di Mi Do Fr Sa So or Mo Tu We Th Fr Sa Su)"
        );
        assert_eq!(
            err("Mo-Fr 08:00-25:00"),
            "invalid time \"25:00\" in \"Mo-Fr 08:00-25:00\" (expected HH:MM between 00:00 and 24:00)"
        );
        assert_eq!(
            err("Mo 8.00-12:00"),
            "invalid time \"8.00\" in \"Mo 8.00-12:00\" (expected HH:MM between 00:00 and 24:00)"
        );
        assert_eq!(
            err("Mo 08:60-12:00"),
            "invalid time \"08:60\" in \"Mo 08:60-12:00\" (expected HH:MM between 00:00 and 24:00)"
        );
        assert!(
            err("Mo-Fr 18:00-08:00")
                .starts_with("interval \"18:00-08:00\" in \"Mo-Fr 18:00-08:00\": the end must be after the start")
        );
        assert!(err("Mo 08:00-08:00").contains("the end must be after the start"));
        assert_eq!(err(""), "no opening hours given (expected e.g. \"Mo-Fr 08:00-18:00\")");
        assert_eq!(err("  ;  "), "no opening hours given (expected e.g. \"Mo-Fr 08:00-18:00\")");
        assert_eq!(err("Mo-Fr"), "\"Mo-Fr\" has no opening times (expected e.g. \"Mo-Fr 08:00-18:00\")");
        assert_eq!(err("08:00-18:00"), "\"08:00-18:00\" names no days (expected e.g. \"Mo-Fr 08:00-18:00\")");
        assert_eq!(err("Mo 08:00"), "invalid interval \"08:00\" in \"Mo 08:00\" (expected HH:MM-HH:MM)");
        assert_eq!(err("Mo 24:00-24:00"), "\"24:00\" in \"Mo 24:00-24:00\" can only end an interval, not start one");
        assert!(err("Mo-Fr 08:00-18:00; Sa 9-13").contains("\"Sa 9-13\""));
    }
}
