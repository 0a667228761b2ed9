#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use resonanz_calendar::{BusinessCalendar, CalendarSpec, Closure, State, WeeklyHours, holidays, is_holiday};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

/// An unambiguous Berlin wall time as an instant.
fn berlin(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Berlin.with_ymd_and_hms(y, m, d, h, min, 0).single().unwrap().with_timezone(&Utc)
}

fn cal(hours: &str, state: Option<State>, closures: Vec<Closure>) -> BusinessCalendar {
    BusinessCalendar::new(Berlin, WeeklyHours::parse(hours).unwrap(), state, closures, true)
}

fn office(state: Option<State>) -> BusinessCalendar {
    cal("Mo-Fr 08:00-18:00", state, Vec::new())
}

fn h(n: i64) -> Duration {
    Duration::hours(n)
}

// ---------------------------------------------------------------- holidays

fn list(state: Option<State>, year: i32) -> Vec<(NaiveDate, &'static str)> {
    holidays(state, year).into_iter().map(|h| (h.date, h.name)).collect()
}

#[test]
fn nordrhein_westfalen_2026() {
    assert_eq!(
        list(Some(State::NW), 2026),
        vec![
            (date(2026, 1, 1), "Neujahr"),
            (date(2026, 4, 3), "Karfreitag"),
            (date(2026, 4, 6), "Ostermontag"),
            (date(2026, 5, 1), "Tag der Arbeit"),
            (date(2026, 5, 14), "Christi Himmelfahrt"),
            (date(2026, 5, 25), "Pfingstmontag"),
            (date(2026, 6, 4), "Fronleichnam"),
            (date(2026, 10, 3), "Tag der Deutschen Einheit"),
            (date(2026, 11, 1), "Allerheiligen"),
            (date(2026, 12, 25), "1. Weihnachtstag"),
            (date(2026, 12, 26), "2. Weihnachtstag"),
        ]
    );
}

#[test]
fn baden_wuerttemberg_2024() {
    assert_eq!(
        list(Some(State::BW), 2024),
        vec![
            (date(2024, 1, 1), "Neujahr"),
            (date(2024, 1, 6), "Heilige Drei Könige"),
            (date(2024, 3, 29), "Karfreitag"),
            (date(2024, 4, 1), "Ostermontag"),
            (date(2024, 5, 1), "Tag der Arbeit"),
            (date(2024, 5, 9), "Christi Himmelfahrt"),
            (date(2024, 5, 20), "Pfingstmontag"),
            (date(2024, 5, 30), "Fronleichnam"),
            (date(2024, 10, 3), "Tag der Deutschen Einheit"),
            (date(2024, 11, 1), "Allerheiligen"),
            (date(2024, 12, 25), "1. Weihnachtstag"),
            (date(2024, 12, 26), "2. Weihnachtstag"),
        ]
    );
}

#[test]
fn bayern_2025() {
    assert_eq!(
        list(Some(State::BY), 2025),
        vec![
            (date(2025, 1, 1), "Neujahr"),
            (date(2025, 1, 6), "Heilige Drei Könige"),
            (date(2025, 4, 18), "Karfreitag"),
            (date(2025, 4, 21), "Ostermontag"),
            (date(2025, 5, 1), "Tag der Arbeit"),
            (date(2025, 5, 29), "Christi Himmelfahrt"),
            (date(2025, 6, 9), "Pfingstmontag"),
            (date(2025, 6, 19), "Fronleichnam"),
            (date(2025, 8, 15), "Mariä Himmelfahrt"),
            (date(2025, 10, 3), "Tag der Deutschen Einheit"),
            (date(2025, 11, 1), "Allerheiligen"),
            (date(2025, 12, 25), "1. Weihnachtstag"),
            (date(2025, 12, 26), "2. Weihnachtstag"),
        ]
    );
}

#[test]
fn state_specific_days() {
    // Sachsen: Buß- und Bettag and Reformationstag.
    assert_eq!(is_holiday(Some(State::SN), date(2026, 11, 18)), Some("Buß- und Bettag"));
    assert_eq!(is_holiday(Some(State::SN), date(2025, 11, 19)), Some("Buß- und Bettag"));
    assert_eq!(is_holiday(Some(State::SN), date(2024, 11, 20)), Some("Buß- und Bettag"));
    assert_eq!(is_holiday(Some(State::BY), date(2026, 11, 18)), None);
    assert_eq!(is_holiday(Some(State::SN), date(2026, 10, 31)), Some("Reformationstag"));
    // Berlin: Frauentag since 2019, Tag der Befreiung 2020 and 2025 only.
    assert_eq!(is_holiday(Some(State::BE), date(2026, 3, 8)), Some("Internationaler Frauentag"));
    assert_eq!(is_holiday(Some(State::BE), date(2018, 3, 8)), None);
    assert_eq!(is_holiday(Some(State::BE), date(2025, 5, 8)), Some("Tag der Befreiung"));
    assert_eq!(is_holiday(Some(State::BE), date(2020, 5, 8)), Some("Tag der Befreiung"));
    assert_eq!(is_holiday(Some(State::BE), date(2026, 5, 8)), None);
    // Mecklenburg-Vorpommern: Frauentag since 2023.
    assert_eq!(is_holiday(Some(State::MV), date(2022, 3, 8)), None);
    assert_eq!(is_holiday(Some(State::MV), date(2023, 3, 8)), Some("Internationaler Frauentag"));
    // Brandenburg: Ostersonntag and Pfingstsonntag.
    assert_eq!(is_holiday(Some(State::BB), date(2026, 4, 5)), Some("Ostersonntag"));
    assert_eq!(is_holiday(Some(State::BB), date(2026, 5, 24)), Some("Pfingstsonntag"));
    assert_eq!(is_holiday(Some(State::BB), date(2024, 3, 31)), Some("Ostersonntag"));
    assert_eq!(is_holiday(Some(State::NW), date(2026, 4, 5)), None);
    // Thüringen: Weltkindertag since 2019.
    assert_eq!(is_holiday(Some(State::TH), date(2026, 9, 20)), Some("Weltkindertag"));
    assert_eq!(is_holiday(Some(State::TH), date(2018, 9, 20)), None);
    // Reformationstag in the north since 2018, nationwide in 2017.
    assert_eq!(is_holiday(Some(State::HH), date(2016, 10, 31)), None);
    assert_eq!(is_holiday(Some(State::HH), date(2018, 10, 31)), Some("Reformationstag"));
    assert_eq!(is_holiday(None, date(2017, 10, 31)), Some("Reformationstag"));
    assert_eq!(is_holiday(Some(State::NW), date(2017, 10, 31)), Some("Reformationstag"));
    assert_eq!(is_holiday(Some(State::NW), date(2018, 10, 31)), None);
    // Saarland: Mariä Himmelfahrt.
    assert_eq!(is_holiday(Some(State::SL), date(2026, 8, 15)), Some("Mariä Himmelfahrt"));
    assert_eq!(is_holiday(Some(State::HE), date(2026, 8, 15)), None);
    // Nationwide days without a state.
    assert_eq!(is_holiday(None, date(2026, 10, 3)), Some("Tag der Deutschen Einheit"));
    assert_eq!(is_holiday(None, date(2026, 6, 4)), None);
}

#[test]
fn holiday_counts() {
    for year in [2024, 2025, 2026] {
        assert_eq!(holidays(None, year).len(), 9, "nationwide {year}");
    }
    assert_eq!(holidays(None, 2017).len(), 10);
    let expected_2026 = [
        (State::BW, 12),
        (State::BY, 13),
        (State::BE, 10),
        (State::BB, 12),
        (State::HB, 10),
        (State::HH, 10),
        (State::HE, 10),
        (State::MV, 11),
        (State::NI, 10),
        (State::NW, 11),
        (State::RP, 11),
        (State::SL, 12),
        (State::SN, 11),
        (State::ST, 11),
        (State::SH, 10),
        (State::TH, 11),
    ];
    for (state, n) in expected_2026 {
        let hs = holidays(Some(state), 2026);
        assert_eq!(hs.len(), n, "{state} 2026");
        assert!(hs.windows(2).all(|w| w[0].date <= w[1].date), "{state} sorted");
    }
    assert_eq!(holidays(Some(State::BE), 2025).len(), 11);
    assert_eq!(holidays(Some(State::HB), 2017).len(), 10);
}

// ------------------------------------------------------- add_business_time

#[test]
fn friday_afternoon_rolls_over_the_weekend() {
    let c = office(Some(State::NW));
    // Friday 16 January 2026, 17:00 CET + 2 h → Monday 19 January 09:00 CET.
    assert_eq!(c.add_business_time(berlin(2026, 1, 16, 17, 0), h(2)), Some(utc(2026, 1, 19, 8, 0)));
    // Ending exactly at closing time gives the closing instant.
    assert_eq!(c.add_business_time(berlin(2026, 1, 16, 17, 0), h(1)), Some(utc(2026, 1, 16, 17, 0)));
    // Five business days from Monday morning: Friday evening.
    assert_eq!(c.add_business_time(berlin(2026, 1, 19, 8, 0), h(50)), Some(utc(2026, 1, 23, 17, 0)));
}

#[test]
fn easter_is_closed() {
    let c = office(Some(State::NW));
    // Thursday 2 April 2026 17:00 CEST + 3 h: Karfreitag, weekend, Ostermontag → Tuesday 10:00.
    assert_eq!(c.add_business_time(berlin(2026, 4, 2, 17, 0), h(3)), Some(utc(2026, 4, 7, 8, 0)));
    assert_eq!(c.closed_reason(date(2026, 4, 3)).as_deref(), Some("Karfreitag"));
    assert_eq!(c.closed_reason(date(2026, 4, 6)).as_deref(), Some("Ostermontag"));
    assert_eq!(c.closed_reason(date(2026, 4, 4)).as_deref(), Some("Samstag"));
    assert_eq!(c.closed_reason(date(2026, 4, 7)), None);
    assert!(!c.is_open(berlin(2026, 4, 3, 10, 0)));
    assert!(c.is_open(berlin(2026, 4, 7, 10, 0)));
}

#[test]
fn custom_closure_over_new_year() {
    let closure = Closure { from: date(2026, 12, 24), to: date(2027, 1, 1), name: "Betriebsferien".to_owned() };
    let c = cal("Mo-Fr 08:00-18:00", Some(State::NW), vec![closure.clone()]);
    // Wednesday 23 December 2026 17:00 CET + 2 h → Monday 4 January 2027 09:00 CET.
    assert_eq!(c.add_business_time(berlin(2026, 12, 23, 17, 0), h(2)), Some(utc(2027, 1, 4, 8, 0)));
    assert_eq!(c.closed_reason(date(2026, 12, 24)).as_deref(), Some("Betriebsferien"));
    assert_eq!(c.closed_reason(date(2026, 12, 28)).as_deref(), Some("Betriebsferien"));
    assert_eq!(c.closed_reason(date(2027, 1, 1)).as_deref(), Some("Neujahr"));
    assert_eq!(c.closed_reason(date(2026, 12, 25)).as_deref(), Some("1. Weihnachtstag"));
    assert_eq!(c.closed_reason(date(2027, 1, 4)), None);
    // Without public holidays the closure still applies and names every day.
    let no_holidays = BusinessCalendar::new(
        Berlin,
        WeeklyHours::parse("Mo-Fr 08:00-18:00").unwrap(),
        Some(State::NW),
        vec![closure],
        false,
    );
    assert_eq!(no_holidays.closed_reason(date(2026, 12, 25)).as_deref(), Some("Betriebsferien"));
    assert_eq!(no_holidays.closed_reason(date(2026, 4, 3)), None);
    assert_eq!(no_holidays.add_business_time(berlin(2026, 4, 2, 17, 0), h(3)), Some(utc(2026, 4, 3, 8, 0)));
}

#[test]
fn start_outside_hours() {
    let c = office(Some(State::NW));
    // At night: Tuesday 22:30 + 1.5 h → Wednesday 09:30 CET.
    assert_eq!(c.add_business_time(berlin(2026, 1, 20, 22, 30), Duration::minutes(90)), Some(utc(2026, 1, 21, 8, 30)));
    // Early morning, zero duration → the opening.
    assert_eq!(c.add_business_time(berlin(2026, 1, 21, 3, 0), Duration::zero()), Some(utc(2026, 1, 21, 7, 0)));
    // Sunday noon + 10 h → Monday closing time; one more minute → Tuesday 08:01.
    assert_eq!(c.add_business_time(berlin(2026, 1, 18, 12, 0), h(10)), Some(utc(2026, 1, 19, 17, 0)));
    assert_eq!(
        c.add_business_time(berlin(2026, 1, 18, 12, 0), h(10) + Duration::minutes(1)),
        Some(utc(2026, 1, 20, 7, 1))
    );
    // Negative durations count as zero.
    assert_eq!(c.add_business_time(berlin(2026, 1, 18, 12, 0), h(-3)), Some(utc(2026, 1, 19, 7, 0)));
}

#[test]
fn start_during_a_holiday() {
    // Fronleichnam, Thursday 4 June 2026, 10:00 CEST + 1 h.
    let start = berlin(2026, 6, 4, 10, 0);
    assert_eq!(office(Some(State::NW)).add_business_time(start, h(1)), Some(utc(2026, 6, 5, 7, 0)));
    // Not a holiday in Berlin.
    assert_eq!(office(Some(State::BE)).add_business_time(start, h(1)), Some(utc(2026, 6, 4, 9, 0)));
    assert_eq!(office(Some(State::NW)).next_open(start), Some(utc(2026, 6, 5, 6, 0)));
}

#[test]
fn across_daylight_saving_weekends() {
    let c = office(Some(State::NW));
    // Spring: Friday 27 March 17:00 CET (16:00 UTC) + 2 h → Monday 30 March 09:00 CEST (07:00 UTC).
    assert_eq!(c.add_business_time(utc(2026, 3, 27, 16, 0), h(2)), Some(utc(2026, 3, 30, 7, 0)));
    assert_eq!(c.business_time_between(utc(2026, 3, 27, 16, 0), utc(2026, 3, 30, 7, 0)), h(2));
    // Autumn: Friday 23 October 17:00 CEST (15:00 UTC) + 2 h → Monday 26 October 09:00 CET (08:00 UTC).
    assert_eq!(c.add_business_time(utc(2026, 10, 23, 15, 0), h(2)), Some(utc(2026, 10, 26, 8, 0)));
    // Five business days across the spring change: Wednesday 25 March 08:00 CET →
    // Tuesday 31 March 18:00 CEST.
    assert_eq!(c.add_business_time(utc(2026, 3, 25, 7, 0), h(50)), Some(utc(2026, 3, 31, 16, 0)));
}

#[test]
fn around_the_clock_across_dst() {
    let c = BusinessCalendar::always(Berlin);
    // 29 March 2026 01:30 CET (00:30 UTC) + 1 h → 03:30 CEST (01:30 UTC).
    assert_eq!(c.add_business_time(utc(2026, 3, 29, 0, 30), h(1)), Some(utc(2026, 3, 29, 1, 30)));
    // 25 October 2026 02:30 CEST (00:30 UTC) + 1 h → 02:30 CET (01:30 UTC).
    assert_eq!(c.add_business_time(utc(2026, 10, 25, 0, 30), h(1)), Some(utc(2026, 10, 25, 1, 30)));
    // The local days have 23 and 25 hours.
    assert_eq!(c.business_time_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0, 0)), h(23));
    assert_eq!(c.business_time_between(berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)), h(25));
    // Always open, holidays included.
    assert!(c.is_open(berlin(2026, 12, 25, 3, 0)));
    assert_eq!(c.closed_reason(date(2026, 12, 25)), None);
    let t = utc(2026, 7, 1, 12, 34);
    assert_eq!(c.next_open(t), Some(t));
    assert_eq!(c.add_business_time(t, h(24 * 400)), Some(t + h(24 * 400)));
}

#[test]
fn hours_inside_the_clock_change() {
    // 02:30-04:00 every day: on 29 March 02:30 does not exist (→ 03:00 CEST), on 25 October it
    // exists twice (→ the earlier, CEST).
    let c = cal("Mo-So 02:30-04:00", None, Vec::new());
    assert_eq!(c.next_open(utc(2026, 3, 29, 0, 0)), Some(utc(2026, 3, 29, 1, 0)));
    assert_eq!(c.business_time_between(utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 12, 0)), h(1));
    assert_eq!(c.business_time_between(utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 12, 0)), Duration::minutes(150));
    assert!(c.is_open(utc(2026, 10, 25, 1, 30))); // 02:30 CET, the second time
    assert!(!c.is_open(utc(2026, 3, 29, 0, 45))); // 01:45 CET
    // Ordinary day: 02:30 CET = 01:30 UTC.
    assert_eq!(c.next_open(utc(2026, 1, 10, 0, 0)), Some(utc(2026, 1, 10, 1, 30)));
}

#[test]
fn night_shift_spanning_midnight_is_continuous() {
    let c = cal("Mo-Fr 22:00-24:00; Di-Sa 00:00-06:00", None, Vec::new());
    // Monday 12 January 2026 23:00 CET + 3 h → Tuesday 02:00 CET, no break at midnight.
    assert_eq!(c.add_business_time(berlin(2026, 1, 12, 23, 0), h(3)), Some(utc(2026, 1, 13, 1, 0)));
    assert!(c.is_open(berlin(2026, 1, 13, 0, 0)));
    assert!(!c.is_open(berlin(2026, 1, 13, 6, 0)));
    // Friday 23:00 + 8 h: 1 h Friday, 6 h Saturday morning, then Monday 22:00 + 1 h.
    assert_eq!(c.add_business_time(berlin(2026, 1, 16, 23, 0), h(8)), Some(utc(2026, 1, 19, 22, 0)));
}

#[test]
fn is_open_boundaries() {
    let c = office(None);
    assert!(!c.is_open(berlin(2026, 1, 19, 7, 59)));
    assert!(c.is_open(berlin(2026, 1, 19, 8, 0)));
    assert!(c.is_open(berlin(2026, 1, 19, 17, 59)));
    assert!(!c.is_open(berlin(2026, 1, 19, 18, 0)));
    assert!(!c.is_open(berlin(2026, 1, 17, 12, 0)));
    assert_eq!(c.next_open(berlin(2026, 1, 19, 12, 0)), Some(berlin(2026, 1, 19, 12, 0)));
    assert_eq!(c.next_open(berlin(2026, 1, 19, 18, 0)), Some(berlin(2026, 1, 20, 8, 0)));
}

#[test]
fn business_time_between_basics() {
    let c = office(Some(State::NW));
    let a = berlin(2026, 1, 16, 17, 0);
    let b = berlin(2026, 1, 19, 9, 0);
    assert_eq!(c.business_time_between(a, b), h(2));
    assert_eq!(c.business_time_between(b, a), Duration::zero());
    assert_eq!(c.business_time_between(a, a), Duration::zero());
    // The whole of April 2026 in NW: 22 weekdays minus Karfreitag and Ostermontag.
    assert_eq!(c.business_time_between(berlin(2026, 4, 1, 0, 0), berlin(2026, 5, 1, 0, 0)), h(20 * 10));
}

#[test]
fn between_is_the_inverse_of_add() {
    let calendars = [
        cal(
            "Mo-Fr 08:00-12:00,13:00-17:30; Sa 09:00-13:00",
            Some(State::NW),
            vec![Closure { from: date(2026, 4, 14), to: date(2026, 4, 15), name: "Inventur".to_owned() }],
        ),
        BusinessCalendar::always(Berlin),
        cal("Mo-Fr 22:00-24:00; Di-Sa 00:00-06:00", Some(State::BY), Vec::new()),
        cal("So 01:00-03:30; Mi 02:15-02:45,10:00-11:00", None, Vec::new()),
    ];
    let durations: Vec<Duration> = [0i64, 1, 59, 3600, 3601, 4 * 3600, 10 * 3600, 36_000 + 17, 50 * 3600, 123_457]
        .into_iter()
        .map(Duration::seconds)
        .collect();
    let windows = [utc(2026, 3, 24, 0, 0), utc(2026, 10, 20, 0, 0), utc(2026, 12, 20, 0, 0)];
    let mut checked = 0;
    for c in &calendars {
        for window in windows {
            // Every 97 minutes for 14 days, odd seconds included.
            let mut start = window + Duration::seconds(13);
            while start < window + Duration::days(14) {
                for &d in &durations {
                    let end = c.add_business_time(start, d).unwrap();
                    assert!(end >= start);
                    assert_eq!(c.business_time_between(start, end), d, "{c:?} {start} {d}");
                    if d > Duration::zero() {
                        // Minimal: the last second before the result is open time.
                        assert!(c.is_open(end - Duration::seconds(1)), "{c:?} {start} {d}");
                    } else {
                        assert!(c.is_open(end), "{c:?} {start}");
                        assert_eq!(c.business_time_between(start, end), Duration::zero());
                    }
                    checked += 1;
                }
                start += Duration::minutes(97);
            }
        }
    }
    assert!(checked > 10_000);
}

#[test]
fn no_open_time_gives_none() {
    let c = BusinessCalendar::new(Berlin, WeeklyHours::closed(), Some(State::NW), Vec::new(), true);
    let t = utc(2026, 1, 1, 0, 0);
    assert_eq!(c.add_business_time(t, h(1)), None);
    assert_eq!(c.next_open(t), None);
    assert!(!c.is_open(t));
    assert_eq!(c.business_time_between(t, t + Duration::days(30)), Duration::zero());

    // A closure longer than the search horizon.
    let long = cal(
        "Mo-So 00:00-24:00",
        None,
        vec![Closure { from: date(2026, 1, 1), to: date(2029, 12, 31), name: "Umbau".to_owned() }],
    );
    assert_eq!(long.next_open(t), None);
    // A closure of one year is waited out (then Neujahr: open from 2 January 00:00 CET).
    let year = cal(
        "Mo-So 00:00-24:00",
        None,
        vec![Closure { from: date(2026, 1, 1), to: date(2026, 12, 31), name: "Umbau".to_owned() }],
    );
    assert_eq!(year.next_open(t), Some(utc(2027, 1, 1, 23, 0)));
}

// ------------------------------------------------------------------- spec

#[test]
fn spec_from_json_and_compile() {
    let spec: CalendarSpec = serde_json::from_str(
        r#"{"time_zone": "Europe/Berlin", "hours": "Mo-Fr 08:00-18:00", "state": "nw",
            "closures": [{"from": "2026-12-24", "to": "2027-01-01", "name": "Betriebsferien"}]}"#,
    )
    .unwrap();
    assert!(spec.holidays);
    let c = spec.compile().unwrap();
    assert_eq!(c.state(), Some(State::NW));
    assert_eq!(c.closed_reason(date(2026, 6, 4)).as_deref(), Some("Fronleichnam"));
    assert_eq!(c.closed_reason(date(2026, 12, 28)).as_deref(), Some("Betriebsferien"));
    // Round trip through JSON.
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(serde_json::from_str::<CalendarSpec>(&json).unwrap(), spec);

    let minimal: CalendarSpec =
        serde_json::from_str(r#"{"time_zone": "Europe/Berlin", "hours": "Mo-Fr 08:00-18:00"}"#).unwrap();
    assert!(minimal.holidays && minimal.state.is_none() && minimal.closures.is_empty());
    let c = minimal.compile().unwrap();
    assert_eq!(c.closed_reason(date(2026, 6, 4)), None);
    assert_eq!(c.closed_reason(date(2026, 4, 3)).as_deref(), Some("Karfreitag"));
}

#[test]
fn spec_errors_name_the_field() {
    let base = CalendarSpec {
        time_zone: "Europe/Berlin".to_owned(),
        hours: "Mo-Fr 08:00-18:00".to_owned(),
        state: Some("NW".to_owned()),
        closures: Vec::new(),
        holidays: true,
    };
    assert!(base.compile().is_ok());

    let e = CalendarSpec { time_zone: "Europe/Berln".to_owned(), ..base.clone() }.compile().unwrap_err();
    assert_eq!(e.field, "time_zone");
    assert_eq!(
        e.to_string(),
        "time_zone: unknown time zone \"Europe/Berln\" (expected an IANA name such as \"Europe/Berlin\")"
    );

    let e = CalendarSpec { state: Some("XX".to_owned()), ..base.clone() }.compile().unwrap_err();
    assert_eq!(e.field, "state");
    assert_eq!(
        e.message,
        "unknown federal state \"XX\" (expected one of BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, TH)"
    );
    // A blank state means none.
    assert!(CalendarSpec { state: Some(" ".to_owned()), ..base.clone() }.compile().is_ok());

    let e = CalendarSpec { hours: "Mo-Fr 18:00-08:00".to_owned(), ..base.clone() }.compile().unwrap_err();
    assert_eq!(e.field, "hours");
    assert!(e.message.contains("\"18:00-08:00\""));

    let e = CalendarSpec { hours: String::new(), ..base.clone() }.compile().unwrap_err();
    assert_eq!(e.field, "hours");

    let e = CalendarSpec {
        closures: vec![Closure { from: date(2027, 1, 1), to: date(2026, 12, 24), name: "Betriebsferien".to_owned() }],
        ..base
    }
    .compile()
    .unwrap_err();
    assert_eq!(e.field, "closures");
    assert_eq!(e.message, "closure \"Betriebsferien\" ends (2026-12-24) before it starts (2027-01-01)");
}

#[test]
fn calendar_is_clone_send_sync_debug() {
    fn assert_traits<T: Clone + Send + Sync + std::fmt::Debug>() {}
    assert_traits::<BusinessCalendar>();
    let c = office(Some(State::NW));
    let shared = c.clone();
    let t = berlin(2026, 1, 16, 17, 0);
    let from_thread = std::thread::spawn(move || shared.add_business_time(t, h(2))).join().unwrap();
    assert_eq!(from_thread, c.add_business_time(t, h(2)));
    assert!(format!("{c:?}").contains("Mo-Fr 08:00-18:00"));
}

#[test]
fn other_time_zones_and_midnight_transitions() {
    // New York: spring forward 2026-03-08 02:00 EST → 03:00 EDT; fall back 2026-11-01 02:00 EDT → 01:00 EST.
    let ny = BusinessCalendar::new(
        chrono_tz::America::New_York,
        WeeklyHours::parse("Mo-Fr 09:00-17:00").unwrap(),
        None,
        Vec::new(),
        false,
    );
    // Friday 6 March 16:00 EST (21:00 UTC) + 2 h → Monday 9 March 10:00 EDT (14:00 UTC).
    assert_eq!(ny.add_business_time(utc(2026, 3, 6, 21, 0), h(2)), Some(utc(2026, 3, 9, 14, 0)));
    // Friday 30 October 16:00 EDT (20:00 UTC) + 2 h → Monday 2 November 10:00 EST (15:00 UTC).
    assert_eq!(ny.add_business_time(utc(2026, 10, 30, 20, 0), h(2)), Some(utc(2026, 11, 2, 15, 0)));
    // Evening in New York is the next UTC day: Monday 9 March 2026 20:00 EDT = Tuesday 00:00 UTC.
    assert!(!ny.is_open(utc(2026, 3, 10, 0, 0)));
    assert_eq!(ny.next_open(utc(2026, 3, 10, 0, 0)), Some(utc(2026, 3, 10, 13, 0)));

    // Santiago changes at midnight: on 2026-04-05 00:00 (-03) clocks go back to 4 April 23:00 (-04),
    // on 2026-09-06 00:00 (-04) forward to 01:00 (-03).
    let santiago = BusinessCalendar::always(chrono_tz::America::Santiago);
    let local = |y, m, d| {
        chrono_tz::America::Santiago
            .from_local_datetime(&date(y, m, d).and_hms_opt(12, 0, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc)
    };
    // Local 4 April has 25 hours, 5 September 23.
    assert_eq!(santiago.business_time_between(utc(2026, 4, 4, 3, 0), utc(2026, 4, 5, 4, 0)), h(25));
    assert_eq!(santiago.business_time_between(utc(2026, 9, 5, 4, 0), utc(2026, 9, 6, 3, 0)), h(23));
    // So 24 h from noon on 4 April end at 11:00 local on 5 April.
    assert_eq!(santiago.add_business_time(local(2026, 4, 4), h(24)), Some(local(2026, 4, 5) - h(1)));
    // 6 September starts at 01:00 local (04:00 UTC), the first instant after the gap.
    let office = BusinessCalendar::new(
        chrono_tz::America::Santiago,
        WeeklyHours::parse("So 00:00-02:00").unwrap(),
        None,
        Vec::new(),
        false,
    );
    assert_eq!(office.next_open(utc(2026, 9, 5, 12, 0)), Some(utc(2026, 9, 6, 4, 0)));
    assert_eq!(office.add_business_time(utc(2026, 9, 5, 12, 0), h(1)), Some(utc(2026, 9, 6, 5, 0)));
    assert_eq!(office.business_time_between(utc(2026, 9, 5, 12, 0), utc(2026, 9, 7, 0, 0)), h(1));

    // Samoa skipped Friday 30 December 2011 entirely.
    let apia = BusinessCalendar::new(
        chrono_tz::Pacific::Apia,
        WeeklyHours::parse("Mo-Fr 09:00-17:00").unwrap(),
        None,
        Vec::new(),
        false,
    );
    // Thursday 29 December 16:00 (-10) = 30 December 02:00 UTC; + 2 h → Monday 2 January 2012
    // 10:00 (+14) = 1 January 20:00 UTC.
    assert_eq!(apia.add_business_time(utc(2011, 12, 30, 2, 0), h(2)), Some(utc(2012, 1, 1, 20, 0)));
}

/// A fresh calendar computes every local midnight; a long-used one reads them from its per-year
/// table. Both must agree, in several time zones around their clock changes.
#[test]
fn fresh_and_warm_calendars_agree() {
    let zones = [
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
        chrono_tz::America::Santiago,
        chrono_tz::Australia::Lord_Howe, // 30-minute DST shift
        chrono_tz::Asia::Kolkata,
    ];
    let make = |tz| {
        BusinessCalendar::new(
            tz,
            WeeklyHours::parse("Mo-Fr 08:00-12:30,13:15-18:00; Sa 00:00-02:45; So 23:00-24:00").unwrap(),
            Some(State::BY),
            Vec::new(),
            true,
        )
    };
    for tz in zones {
        let warm = make(tz);
        // Warm up the caches for 2026 and 2027.
        for i in 0..200 {
            warm.add_business_time(utc(2026, 1, 1, 0, 0) + Duration::days(i * 3), h(60));
        }
        let mut start = utc(2026, 1, 1, 0, 7);
        let mut checked = 0;
        while start < utc(2027, 1, 1, 0, 0) {
            let fresh = make(tz);
            for d in [Duration::zero(), Duration::minutes(1), h(3), h(40)] {
                let expected = fresh.add_business_time(start, d);
                assert_eq!(warm.add_business_time(start, d), expected, "{tz} {start} {d}");
                let end = expected.unwrap();
                assert_eq!(warm.business_time_between(start, end), d, "{tz} {start} {d}");
                assert_eq!(fresh.business_time_between(start, end), d, "{tz} {start} {d}");
            }
            assert_eq!(warm.is_open(start), fresh.is_open(start), "{tz} {start}");
            checked += 1;
            start += Duration::minutes(331);
        }
        assert!(checked > 1000);
    }
}
