//! Fair assignment: who of a team takes a case. Pure: the caller gathers the candidates and their
//! load from the store.
//!
//! Only members who are present (not away, not absent) can take a case. Members who speak the
//! contact's language come first when there are any. A distressing case (sensitive, safeguarding,
//! threat) goes only to someone below their daily cap of such cases, and among them to whoever had
//! the fewest today, so no one carries them all. Then the strategy decides.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::UserId;
use crate::routing::rules::OwnerStrategy;

/// Whether someone can take new cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    #[default]
    Present,
    /// Briefly away (a meeting, a break): no new cases.
    Away,
    /// Absent (leave, illness), until `absent_until` if set.
    Absent,
}

impl Availability {
    pub const ALL: [Availability; 3] = [Self::Present, Self::Away, Self::Absent];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Away => "away",
            Self::Absent => "absent",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// The daily cap on distressing cases when a person has none of their own.
pub const DEFAULT_DISTRESSING_CAP: i64 = 3;

/// A team member as assignment sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub user_id: UserId,
    pub active: bool,
    pub availability: Availability,
    pub absent_until: Option<Timestamp>,
    /// Languages spoken (BCP 47 primary tags, lower-case); empty = not recorded.
    pub languages: Vec<String>,
    /// Open cases they own now.
    pub open_cases: i64,
    /// Distressing cases given to them today (organisation's local day).
    pub distressing_today: i64,
    /// Their daily cap on distressing cases.
    pub distressing_cap: i64,
}

impl Candidate {
    /// Present now: absent with a date in the past counts as back.
    pub fn available(&self, now: Timestamp) -> bool {
        self.active
            && match self.availability {
                Availability::Present => true,
                Availability::Away => false,
                Availability::Absent => self.absent_until.is_some_and(|until| until <= now),
            }
    }
}

#[derive(Debug, Clone)]
pub struct AssignInput<'a> {
    pub strategy: OwnerStrategy,
    /// The team's members in a stable order (the round robin walks it).
    pub candidates: &'a [Candidate],
    pub language: Option<&'a str>,
    pub distressing: bool,
    /// Whom the team's round robin gave the last case.
    pub round_robin_last: Option<UserId>,
    /// Who last owned a case of this contact.
    pub previous_owner: Option<UserId>,
    pub now: Timestamp,
}

/// Why someone was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    Inactive,
    Away,
    Absent,
    /// Does not speak the contact's language (while colleagues do).
    Language,
    /// Reached their daily cap of distressing cases.
    Cap,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub user_id: UserId,
    pub why: Skip,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment {
    /// `None` when no one could take it: the case stays with the team, unowned.
    pub chosen: Option<UserId>,
    pub strategy: OwnerStrategy,
    /// `previous_owner` fell back to `fewest_open`.
    pub fell_back: bool,
    pub skipped: Vec<Skipped>,
}

fn primary(lang: &str) -> String {
    lang.split(['-', '_']).next().unwrap_or_default().to_lowercase()
}

/// Picks the owner. Deterministic: ties go to the earlier member in `candidates`.
pub fn choose(input: &AssignInput<'_>) -> Assignment {
    let mut skipped = Vec::new();
    let mut pool: Vec<&Candidate> = Vec::new();
    for c in input.candidates {
        let why = if !c.active {
            Some(Skip::Inactive)
        } else if !c.available(input.now) {
            Some(if c.availability == Availability::Away { Skip::Away } else { Skip::Absent })
        } else {
            None
        };
        match why {
            Some(why) => skipped.push(Skipped { user_id: c.user_id, why }),
            None => pool.push(c),
        }
    }
    if let Some(lang) = input.language.map(primary).filter(|l| !l.is_empty()) {
        let speaks = |c: &Candidate| c.languages.iter().any(|l| primary(l) == lang);
        if pool.iter().any(|c| speaks(c)) {
            let (keep, drop): (Vec<&Candidate>, Vec<&Candidate>) = pool.into_iter().partition(|c| speaks(c));
            skipped.extend(drop.into_iter().map(|c| Skipped { user_id: c.user_id, why: Skip::Language }));
            pool = keep;
        }
    }
    if input.distressing {
        let (keep, drop): (Vec<&Candidate>, Vec<&Candidate>) =
            pool.into_iter().partition(|c| c.distressing_today < c.distressing_cap);
        skipped.extend(drop.into_iter().map(|c| Skipped { user_id: c.user_id, why: Skip::Cap }));
        // Spread them: only those with the fewest distressing cases today stay in the running.
        let least = keep.iter().map(|c| c.distressing_today).min();
        pool = keep.into_iter().filter(|c| Some(c.distressing_today) == least).collect();
    }
    let fewest_open = |pool: &[&Candidate]| {
        let min = pool.iter().map(|c| c.open_cases).min()?;
        pool.iter().find(|c| c.open_cases == min).map(|c| c.user_id)
    };
    let mut fell_back = false;
    let chosen = match input.strategy {
        OwnerStrategy::FewestOpen => fewest_open(&pool),
        OwnerStrategy::RoundRobin => {
            // The next member after the last one in team order who is still in the pool.
            let start = input
                .round_robin_last
                .and_then(|last| input.candidates.iter().position(|c| c.user_id == last))
                .map_or(0, |i| i + 1);
            let n = input.candidates.len();
            (0..n)
                .map(|k| &input.candidates[(start + k) % n])
                .find(|c| pool.iter().any(|p| p.user_id == c.user_id))
                .map(|c| c.user_id)
        }
        OwnerStrategy::PreviousOwner => match input.previous_owner.filter(|p| pool.iter().any(|c| c.user_id == *p)) {
            Some(p) => Some(p),
            None => {
                fell_back = true;
                fewest_open(&pool)
            }
        },
    };
    Assignment { chosen, strategy: input.strategy, fell_back, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn cand(n: u128) -> Candidate {
        Candidate {
            user_id: UserId(uuid::Uuid::from_u128(n)),
            active: true,
            availability: Availability::Present,
            absent_until: None,
            languages: vec!["de".into()],
            open_cases: 0,
            distressing_today: 0,
            distressing_cap: 3,
        }
    }

    fn input<'a>(strategy: OwnerStrategy, c: &'a [Candidate]) -> AssignInput<'a> {
        AssignInput {
            strategy,
            candidates: c,
            language: None,
            distressing: false,
            round_robin_last: None,
            previous_owner: None,
            now: Timestamp::default(),
        }
    }

    fn id(n: u128) -> UserId {
        UserId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn round_robin_walks_the_team_and_skips_the_absent() {
        let mut c = vec![cand(1), cand(2), cand(3)];
        let mut i = input(OwnerStrategy::RoundRobin, &c);
        assert_eq!(choose(&i).chosen, Some(id(1)));
        i.round_robin_last = Some(id(1));
        assert_eq!(choose(&i).chosen, Some(id(2)));
        i.round_robin_last = Some(id(3));
        assert_eq!(choose(&i).chosen, Some(id(1)), "wraps around");
        c[1].availability = Availability::Away;
        let mut i = input(OwnerStrategy::RoundRobin, &c);
        i.round_robin_last = Some(id(1));
        let a = choose(&i);
        assert_eq!(a.chosen, Some(id(3)));
        assert_eq!(a.skipped, vec![Skipped { user_id: id(2), why: Skip::Away }]);
    }

    #[test]
    fn absence_ends_on_its_date() {
        let now = Timestamp::default();
        let mut c = cand(1);
        c.availability = Availability::Absent;
        c.absent_until = Some(now + Duration::days(1));
        assert!(!c.available(now));
        assert!(c.available(now + Duration::days(1)));
        c.absent_until = None;
        assert!(!c.available(now + Duration::days(400)), "absent without a date stays absent");
    }

    #[test]
    fn fewest_open_and_languages() {
        let mut c = vec![cand(1), cand(2), cand(3)];
        c[0].open_cases = 5;
        c[1].open_cases = 2;
        c[2].open_cases = 9;
        c[2].languages = vec!["tr".into(), "de".into()];
        let mut i = input(OwnerStrategy::FewestOpen, &c);
        assert_eq!(choose(&i).chosen, Some(id(2)));
        i.language = Some("tr-TR");
        let a = choose(&i);
        assert_eq!(a.chosen, Some(id(3)), "the only one who speaks Turkish");
        assert_eq!(a.skipped.iter().filter(|s| s.why == Skip::Language).count(), 2);
        i.language = Some("uk");
        assert_eq!(choose(&i).chosen, Some(id(2)), "nobody speaks it: everyone stays in the running");
    }

    #[test]
    fn distressing_cases_are_spread_and_capped() {
        let mut c = vec![cand(1), cand(2), cand(3)];
        c[0].distressing_today = 1;
        c[1].distressing_today = 3; // at the cap
        c[2].distressing_today = 1;
        c[2].open_cases = 0;
        c[0].open_cases = 4;
        let mut i = input(OwnerStrategy::RoundRobin, &c);
        i.distressing = true;
        i.round_robin_last = Some(id(1));
        let a = choose(&i);
        assert_eq!(a.chosen, Some(id(3)));
        assert!(a.skipped.contains(&Skipped { user_id: id(2), why: Skip::Cap }));
        c[0].distressing_today = 0;
        let mut i = input(OwnerStrategy::RoundRobin, &c);
        i.distressing = true;
        i.round_robin_last = Some(id(1));
        assert_eq!(choose(&i).chosen, Some(id(1)), "the one with fewer distressing cases today goes first");
        for x in &mut c {
            x.distressing_today = 3;
        }
        let mut i = input(OwnerStrategy::FewestOpen, &c);
        i.distressing = true;
        let a = choose(&i);
        assert_eq!(a.chosen, None, "everyone is at the cap: no one is given it");
        assert_eq!(a.skipped.len(), 3);
    }

    #[test]
    fn previous_owner_when_present_else_fewest_open() {
        let mut c = vec![cand(1), cand(2)];
        c[0].open_cases = 1;
        c[1].open_cases = 7;
        let mut i = input(OwnerStrategy::PreviousOwner, &c);
        i.previous_owner = Some(id(2));
        assert_eq!((choose(&i).chosen, choose(&i).fell_back), (Some(id(2)), false));
        c[1].active = false;
        let mut i = input(OwnerStrategy::PreviousOwner, &c);
        i.previous_owner = Some(id(2));
        assert_eq!((choose(&i).chosen, choose(&i).fell_back), (Some(id(1)), true));
    }
}
