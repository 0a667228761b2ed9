//! German public holidays: the nationwide ones and those of the 16 federal states.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The 16 German federal states (Bundesländer), by their official two-letter codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// Baden-Württemberg
    BW,
    /// Bayern
    BY,
    /// Berlin
    BE,
    /// Brandenburg
    BB,
    /// Bremen
    HB,
    /// Hamburg
    HH,
    /// Hessen
    HE,
    /// Mecklenburg-Vorpommern
    MV,
    /// Niedersachsen
    NI,
    /// Nordrhein-Westfalen
    NW,
    /// Rheinland-Pfalz
    RP,
    /// Saarland
    SL,
    /// Sachsen
    SN,
    /// Sachsen-Anhalt
    ST,
    /// Schleswig-Holstein
    SH,
    /// Thüringen
    TH,
}

impl State {
    /// All states, in the order of the enum.
    pub const ALL: [State; 16] = [
        State::BW,
        State::BY,
        State::BE,
        State::BB,
        State::HB,
        State::HH,
        State::HE,
        State::MV,
        State::NI,
        State::NW,
        State::RP,
        State::SL,
        State::SN,
        State::ST,
        State::SH,
        State::TH,
    ];

    /// The two-letter code, e.g. `"BW"`.
    pub fn code(self) -> &'static str {
        match self {
            State::BW => "BW",
            State::BY => "BY",
            State::BE => "BE",
            State::BB => "BB",
            State::HB => "HB",
            State::HH => "HH",
            State::HE => "HE",
            State::MV => "MV",
            State::NI => "NI",
            State::NW => "NW",
            State::RP => "RP",
            State::SL => "SL",
            State::SN => "SN",
            State::ST => "ST",
            State::SH => "SH",
            State::TH => "TH",
        }
    }

    /// Parses a two-letter code, case-insensitively and ignoring surrounding whitespace.
    pub fn parse(s: &str) -> Option<State> {
        let s = s.trim();
        State::ALL.into_iter().find(|state| state.code().eq_ignore_ascii_case(s))
    }

    /// The German name, e.g. `"Baden-Württemberg"`.
    pub fn name_de(self) -> &'static str {
        match self {
            State::BW => "Baden-Württemberg",
            State::BY => "Bayern",
            State::BE => "Berlin",
            State::BB => "Brandenburg",
            State::HB => "Bremen",
            State::HH => "Hamburg",
            State::HE => "Hessen",
            State::MV => "Mecklenburg-Vorpommern",
            State::NI => "Niedersachsen",
            State::NW => "Nordrhein-Westfalen",
            State::RP => "Rheinland-Pfalz",
            State::SL => "Saarland",
            State::SN => "Sachsen",
            State::ST => "Sachsen-Anhalt",
            State::SH => "Schleswig-Holstein",
            State::TH => "Thüringen",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One public holiday: its date and its German name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: &'static str,
}

/// Easter Sunday of `year` in the Gregorian calendar (Anonymous Gregorian algorithm, as given by
/// Meeus). Meaningful from 1583 on; `None` only if the date does not exist in chrono's range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    let month = u32::try_from(n / 31).ok()?;
    let day = u32::try_from(n % 31 + 1).ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Buß- und Bettag: the last Wednesday before 23 November (16 to 22 November).
fn buss_und_bettag(year: i32) -> Option<NaiveDate> {
    let nov22 = NaiveDate::from_ymd_opt(year, 11, 22)?;
    let back = (nov22.weekday().num_days_from_monday() + 7 - Weekday::Wed.num_days_from_monday()) % 7;
    nov22.checked_sub_days(Days::new(u64::from(back)))
}

/// The public holidays of `year`: the nationwide ones plus, with a state, that state's, sorted by date
/// (two holidays may fall on one date, e.g. Tag der Arbeit and Christi Himmelfahrt in 2008).
///
/// The rules are those in force today, with the start years of the recent changes (Frauentag in
/// Berlin 2019 and Mecklenburg-Vorpommern 2023, Weltkindertag in Thüringen 2019, Reformationstag in
/// Bremen, Hamburg, Niedersachsen and Schleswig-Holstein 2018, nationwide in 2017 only, and the
/// one-off Tag der Befreiung in Berlin on 8 May 2020 and 2025). Earlier history (before 1995) is not
/// modelled.
///
/// Mariä Himmelfahrt (15 August) counts for all of Bayern, although by law it is a holiday only in
/// Bavarian communities with a predominantly Catholic population (most of them). A closure can only
/// add closed days: a team in a community without the holiday that must work on 15 August uses a
/// calendar without a state (nationwide holidays) plus closures for Bavaria's other holidays.
/// Likewise Fronleichnam is
/// treated as statewide only in the states where it is (BW, BY, HE, NW, RP, SL), not in the Catholic
/// communities of Sachsen and Thüringen, and the Augsburger Friedensfest (8 August, city of Augsburg
/// only) is not included.
pub fn holidays(state: Option<State>, year: i32) -> Vec<Holiday> {
    use State::*;
    let mut out: Vec<Holiday> = Vec::with_capacity(20);
    let mut add = |date: Option<NaiveDate>, name: &'static str| {
        if let Some(date) = date {
            out.push(Holiday { date, name });
        }
    };
    let ymd = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let easter = easter_sunday(year);
    let from_easter = |offset: i64| {
        easter.and_then(|e| {
            if offset >= 0 {
                e.checked_add_days(Days::new(offset.unsigned_abs()))
            } else {
                e.checked_sub_days(Days::new(offset.unsigned_abs()))
            }
        })
    };
    let is = |states: &[State]| state.is_some_and(|s| states.contains(&s));

    // Nationwide.
    add(ymd(1, 1), "Neujahr");
    add(from_easter(-2), "Karfreitag");
    add(from_easter(1), "Ostermontag");
    add(ymd(5, 1), "Tag der Arbeit");
    add(from_easter(39), "Christi Himmelfahrt");
    add(from_easter(50), "Pfingstmontag");
    add(ymd(10, 3), "Tag der Deutschen Einheit");
    add(ymd(12, 25), "1. Weihnachtstag");
    add(ymd(12, 26), "2. Weihnachtstag");

    // By state.
    if is(&[BW, BY, ST]) {
        add(ymd(1, 6), "Heilige Drei Könige");
    }
    if (is(&[BE]) && year >= 2019) || (is(&[MV]) && year >= 2023) {
        add(ymd(3, 8), "Internationaler Frauentag");
    }
    if is(&[BB]) {
        add(easter, "Ostersonntag");
        add(from_easter(49), "Pfingstsonntag");
    }
    if is(&[BE]) && (year == 2020 || year == 2025) {
        add(ymd(5, 8), "Tag der Befreiung");
    }
    if is(&[BW, BY, HE, NW, RP, SL]) {
        add(from_easter(60), "Fronleichnam");
    }
    if is(&[BY, SL]) {
        add(ymd(8, 15), "Mariä Himmelfahrt");
    }
    if is(&[TH]) && year >= 2019 {
        add(ymd(9, 20), "Weltkindertag");
    }
    if year == 2017 || is(&[BB, MV, SN, ST, TH]) || (is(&[HB, HH, NI, SH]) && year >= 2018) {
        add(ymd(10, 31), "Reformationstag");
    }
    if is(&[BW, BY, NW, RP, SL]) {
        add(ymd(11, 1), "Allerheiligen");
    }
    if is(&[SN]) {
        add(buss_und_bettag(year), "Buß- und Bettag");
    }

    out.sort_by_key(|h| h.date);
    out
}

/// The name of the public holiday on `date` (nationwide, plus the state's with a state), if any.
pub fn is_holiday(state: Option<State>, date: NaiveDate) -> Option<&'static str> {
    holidays(state, date.year()).into_iter().find(|h| h.date == date).map(|h| h.name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_known_dates() {
        let known = [
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ];
        for (y, m, day) in known {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)), "Easter {y}");
        }
    }

    #[test]
    fn buss_und_bettag_known_dates() {
        assert_eq!(buss_und_bettag(2024), Some(d(2024, 11, 20)));
        assert_eq!(buss_und_bettag(2025), Some(d(2025, 11, 19)));
        assert_eq!(buss_und_bettag(2026), Some(d(2026, 11, 18)));
        // 22 November itself is a Wednesday in 2023.
        assert_eq!(buss_und_bettag(2023), Some(d(2023, 11, 22)));
        // Always 16..=22 November and a Wednesday.
        for y in 1990..2100 {
            let b = buss_und_bettag(y).unwrap();
            assert_eq!(b.weekday(), Weekday::Wed);
            assert!((16..=22).contains(&b.day()) && b.month() == 11, "{b}");
        }
    }

    #[test]
    fn state_codes_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
            assert_eq!(State::parse(&s.code().to_lowercase()), Some(s));
            assert!(!s.name_de().is_empty());
        }
        assert_eq!(State::parse(" nw "), Some(State::NW));
        assert_eq!(State::parse("XX"), None);
        assert_eq!(State::parse(""), None);
        assert_eq!(State::BW.name_de(), "Baden-Württemberg");
        assert_eq!(State::TH.name_de(), "Thüringen");
    }
}
