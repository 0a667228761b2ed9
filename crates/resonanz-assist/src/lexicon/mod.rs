//! Curated lexicons (German, some English) from domain knowledge: phrases that point to a category, to
//! a sentiment, an emotion or urgency. A lexicon hit becomes a model feature (with a prior weight) and an
//! explanation signal (the surface words of the message).
//!
//! The word lists live in the `.txt` files beside this module. Each line is `group weight: pattern, …`.
//! A pattern is a sequence of words separated by blanks, written as in normal German (folded on load:
//! ä→ae, ß→ss …). `word*` matches a prefix, `*word` a suffix, `*word*` any part of a word, and `~` up to
//! three arbitrary words. Group names are `<target>.<topic>`; a target is a category name, `-category`
//! (a hard negative for that category), `sent` (weight = polarity), `anger`/`worry`/`distress`, or
//! `urgent` (weight = urgency level: 2 high, 3 critical). A trailing `!` on the group (`safeguarding.selfharm!`)
//! means a hit assigns the category even when the model score is below its threshold.

use crate::Category;
use crate::text::{Token, fold};
use std::collections::HashMap;
use std::sync::OnceLock;

const SOURCES: [&str; 3] = [include_str!("categories.txt"), include_str!("safety.txt"), include_str!("affect.txt")];

/// What a lexicon group points to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// Evidence for (`negative == false`) or against a category.
    Category { category: Category, negative: bool },
    /// Sentiment polarity; the group weight is signed.
    Sentiment,
    /// Emotion index into [`crate::types::EMOTIONS`].
    Emotion(usize),
    /// Urgency level index into [`crate::types::URGENCY_LEVELS`].
    Urgency,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub name: String,
    pub target: Target,
    pub weight: f32,
    pub force: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Pat {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Gap,
}

impl Pat {
    fn matches(&self, word: &str) -> bool {
        match self {
            Pat::Exact(p) => word == p,
            Pat::Prefix(p) => word.starts_with(p.as_str()),
            Pat::Suffix(p) => word.ends_with(p.as_str()),
            Pat::Contains(p) => word.contains(p.as_str()),
            Pat::Gap => true,
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    group: usize,
    pats: Vec<Pat>,
    /// `group|pattern`, the stable name of the entry's own feature.
    key: String,
}

/// A match of one lexicon entry: group and the token range `start..end`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub group: usize,
    pub entry: usize,
    pub start: usize,
    pub end: usize,
    /// A phrase pointing to a category that stands near a hard negative of that category in the same
    /// sentence ("die Doku über Missbrauch"): it becomes a separate, weaker feature and never assigns.
    pub context: bool,
}

/// A hard negative marks a category phrase as in context when both are in one sentence and at most this
/// many words apart.
pub const CONTEXT_WINDOW: usize = 12;

/// The parsed lexicon with an index by first word.
pub struct Lexicon {
    pub groups: Vec<Group>,
    entries: Vec<Entry>,
    exact: HashMap<String, Vec<usize>>,
    prefix: HashMap<String, Vec<usize>>,
    scan: Vec<usize>,
}

const PREFIX_KEY: usize = 3;

fn key(word: &str) -> Option<&str> {
    word.char_indices()
        .nth(PREFIX_KEY)
        .map(|(i, _)| &word[..i])
        .or((word.chars().count() == PREFIX_KEY).then_some(word))
}

/// The built-in lexicon (parsed once).
pub fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| Lexicon::parse(&SOURCES))
}

fn parse_target(name: &str) -> Option<Target> {
    let head = name.split('.').next().unwrap_or(name);
    let (negative, head) = match head.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, head),
    };
    if let Some(category) = Category::parse(head) {
        return Some(Target::Category { category, negative });
    }
    match head {
        "sent" => Some(Target::Sentiment),
        "anger" => Some(Target::Emotion(0)),
        "worry" => Some(Target::Emotion(1)),
        "distress" => Some(Target::Emotion(2)),
        "urgent" => Some(Target::Urgency),
        _ => None,
    }
}

fn parse_pattern(text: &str) -> Vec<Pat> {
    // Split like the tokenizer does (any non-alphanumeric character separates words), keeping the
    // pattern syntax characters `*` and `~`.
    text.split(|c: char| !(c.is_alphanumeric() || c == '*' || c == '~'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = fold(&w.to_lowercase());
            match (w.strip_prefix('*'), w.strip_suffix('*')) {
                _ if w == "~" => Pat::Gap,
                (Some(_), Some(_)) => Pat::Contains(w.trim_matches('*').to_string()),
                (Some(rest), None) => Pat::Suffix(rest.to_string()),
                (None, Some(rest)) => Pat::Prefix(rest.to_string()),
                (None, None) => Pat::Exact(w),
            }
        })
        .collect()
}

impl Lexicon {
    /// Parses lexicon sources. Malformed lines are skipped (a unit test checks none are).
    pub fn parse(sources: &[&str]) -> Lexicon {
        let mut lex = Lexicon {
            groups: Vec::new(),
            entries: Vec::new(),
            exact: HashMap::new(),
            prefix: HashMap::new(),
            scan: Vec::new(),
        };
        let mut group_ids: HashMap<String, usize> = HashMap::new();
        for line in sources.iter().flat_map(|s| s.lines()) {
            let Some((group, weight, patterns)) = Self::split_line(line) else { continue };
            let force = group.ends_with('!');
            let name = group.trim_end_matches('!').to_string();
            let Some(target) = parse_target(&name) else { continue };
            let id = *group_ids.entry(name.clone()).or_insert_with(|| {
                lex.groups.push(Group { name, target, weight, force });
                lex.groups.len() - 1
            });
            for pattern in patterns.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let pats = parse_pattern(pattern);
                let entry = lex.entries.len();
                match pats.first() {
                    Some(Pat::Exact(w)) => lex.exact.entry(w.clone()).or_default().push(entry),
                    Some(Pat::Prefix(p)) if p.chars().count() >= PREFIX_KEY => {
                        lex.prefix.entry(key(p).unwrap_or(p).to_string()).or_default().push(entry)
                    }
                    Some(Pat::Gap) | None => continue,
                    Some(_) => lex.scan.push(entry),
                }
                let key = format!("{}|{pattern}", lex.groups[id].name);
                lex.entries.push(Entry { group: id, pats, key });
            }
        }
        lex
    }

    /// Splits `group weight: patterns`; `None` for blank lines, comments and malformed lines.
    fn split_line(line: &str) -> Option<(&str, f32, &str)> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (head, patterns) = line.split_once(':')?;
        let mut head = head.split_whitespace();
        let group = head.next()?;
        let weight = head.next()?.parse::<f32>().ok()?;
        Some((group, weight, patterns))
    }

    /// Number of lexicon entries (patterns).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The stable key of an entry.
    pub fn entry_key(&self, entry: usize) -> &str {
        self.entries.get(entry).map_or("", |e| e.key.as_str())
    }

    /// All hits in the tokens, in text order. Overlapping hits of the same group are kept once.
    pub fn find(&self, tokens: &[Token]) -> Vec<Hit> {
        let mut hits: Vec<Hit> = Vec::new();
        let mut candidates: Vec<usize> = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            candidates.clear();
            if let Some(list) = self.exact.get(token.folded.as_str()) {
                candidates.extend_from_slice(list);
            }
            if let Some(list) = key(&token.folded).and_then(|k| self.prefix.get(k)) {
                candidates.extend_from_slice(list);
            }
            candidates.extend_from_slice(&self.scan);
            for &e in &candidates {
                let entry = &self.entries[e];
                if let Some(end) = match_at(&entry.pats, tokens, i) {
                    let overlaps = hits.iter().any(|h| h.group == entry.group && h.end > i);
                    if !overlaps {
                        hits.push(Hit { group: entry.group, entry: e, start: i, end, context: false });
                    }
                }
            }
        }
        // A hard negative that covers a positive phrase of the same category cancels it
        // ("das bringt mich um vor Lachen" is no danger).
        let negatives: Vec<(Category, usize, usize)> = hits
            .iter()
            .filter_map(|h| match self.groups[h.group].target {
                Target::Category { category, negative: true } => Some((category, h.start, h.end)),
                _ => None,
            })
            .collect();
        hits.retain(|h| match self.groups[h.group].target {
            Target::Category { category, negative: false } => {
                !negatives.iter().any(|&(c, s, e)| c == category && s <= h.start && h.end <= e)
            }
            _ => true,
        });
        // A hard negative nearby in the same sentence puts the phrase in context.
        let sentence = |i: usize| tokens.get(i).map_or(u32::MAX, |t| t.sentence);
        for h in &mut hits {
            if let Target::Category { category, negative: false } = self.groups[h.group].target {
                h.context = negatives.iter().any(|&(c, s, e)| {
                    let gap = if e <= h.start { h.start - e } else { s.saturating_sub(h.end) };
                    c == category && gap <= CONTEXT_WINDOW && sentence(s) == sentence(h.start)
                });
            }
        }
        hits
    }
}

/// Matches `pats` against tokens starting at `i`; returns the end index (exclusive) of the shortest match.
fn match_at(pats: &[Pat], tokens: &[Token], i: usize) -> Option<usize> {
    match pats.split_first() {
        None => Some(i),
        Some((Pat::Gap, rest)) => (0..=3).find_map(|skip| match_at(rest, tokens, i + skip)),
        Some((pat, rest)) => {
            let token = tokens.get(i)?;
            if pat.matches(&token.folded) { match_at(rest, tokens, i + 1) } else { None }
        }
    }
}

/// Probability floor for the safeguarding cue rule (see [`rule_assigns`]), chosen by cross-validation
/// on the train split.
pub const CUE_FLOOR: f32 = 0.01;

/// Whether the lexicon alone assigns `category`: a hit of an assigning (`!`) group, or — for
/// safeguarding, which is tuned for recall — a curated safeguarding cue of a non-hint group (not
/// `*_hint`) once the model gives at least [`CUE_FLOOR`]. A phrase standing next to a hard negative of the
/// category in the same sentence ([`Hit::context`], "die Doku über Missbrauch") never assigns; a hard
/// negative elsewhere in the message does not veto a disclosure ("Tolle Doku. Papa schlägt mich.").
pub fn rule_assigns(lex: &Lexicon, hits: &[Hit], category: Category, probability: f32) -> bool {
    let mut forced = false;
    let mut cue = false;
    for h in hits.iter().filter(|h| !h.context) {
        let g = &lex.groups[h.group];
        match g.target {
            Target::Category { category: c, negative: false } if c == category => {
                forced |= g.force;
                cue |= !g.name.ends_with("_hint");
            }
            _ => {}
        }
    }
    forced || (category == Category::Safeguarding && cue && probability >= CUE_FLOOR)
}

/// The text of tokens `start..end` as written in `text`.
pub fn surface<'t>(text: &'t str, tokens: &[Token], start: usize, end: usize) -> &'t str {
    match (tokens.get(start), end.checked_sub(1).and_then(|e| tokens.get(e))) {
        (Some(first), Some(last)) => text.get(first.start..last.start + last.surface.len()).unwrap_or(""),
        _ => "",
    }
}

#[cfg(test)]
mod tests;
