use super::*;
use crate::text::tokenize;

fn groups_hit(text: &str) -> Vec<String> {
    let lex = lexicon();
    lex.find(&tokenize(text, 1000)).iter().map(|h| lex.groups[h.group].name.clone()).collect()
}

#[test]
fn every_lexicon_line_parses() {
    for source in SOURCES {
        for line in source.lines() {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let (group, _, patterns) = Lexicon::split_line(t).unwrap_or_else(|| panic!("malformed: {t}"));
            assert!(parse_target(group.trim_end_matches('!')).is_some(), "unknown target in {group}");
            for p in patterns.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let pats = parse_pattern(p);
                assert!(!pats.is_empty() && pats[0] != Pat::Gap, "bad pattern {p:?} in {group}");
            }
        }
    }
    assert!(lexicon().len() > 800, "lexicon has only {} entries", lexicon().len());
}

#[test]
fn phrases_with_gaps_prefixes_and_umlauts_match() {
    assert!(groups_hit("Ich will einfach nicht mehr leben.").contains(&"safeguarding.selfharm".to_string()));
    assert!(groups_hit("Ich weiß genau, wo ihr wohnt").contains(&"threat.doxx".to_string()));
    assert!(groups_hit("Die Hintergrundmusik war VIEL ZU LAUT").contains(&"complaint.sound".to_string()));
    assert!(groups_hit("Wann wird die Folge wiederholt?").contains(&"routine.repeat".to_string()));
    // Folded spelling without umlauts matches the same entry.
    assert!(groups_hit("Das ist eine Unverschaemtheit").contains(&"anger.strong".to_string()));
}

#[test]
fn hard_negatives_are_found() {
    let hits = groups_hit("Das bringt mich um vor Lachen, die Doku war super");
    assert!(hits.contains(&"-safeguarding.context".to_string()), "{hits:?}");
}

#[test]
fn surface_returns_the_written_words() {
    let text = "Hallo, ich weiß, wo ihr wohnt!";
    let tokens = tokenize(text, 100);
    assert_eq!(surface(text, &tokens, 1, 6), "ich weiß, wo ihr wohnt");
    assert_eq!(surface(text, &tokens, 7, 9), "");
}

fn safeguarding_hits(text: &str) -> Vec<Hit> {
    let lex = lexicon();
    let sg =
        |h: &Hit| lex.groups[h.group].target == Target::Category { category: Category::Safeguarding, negative: false };
    lex.find(&tokenize(text, 1000)).into_iter().filter(sg).collect()
}

#[test]
fn a_hard_negative_only_puts_phrases_of_its_own_sentence_in_context() {
    let about = safeguarding_hits("Die Doku über Missbrauch in Heimen war wichtig.");
    assert!(!about.is_empty() && about.iter().all(|h| h.context), "{about:?}");
    assert!(!rule_assigns(lexicon(), &about, Category::Safeguarding, 0.5));
    let disclosure =
        safeguarding_hits("Tolle Doku gestern! Mein Stiefvater schlägt mich und ich darf es niemandem sagen.");
    assert!(disclosure.iter().any(|h| !h.context), "{disclosure:?}");
    assert!(rule_assigns(lexicon(), &disclosure, Category::Safeguarding, 0.0));
}

#[test]
fn weak_hints_alone_do_not_assign_safeguarding() {
    let hits = safeguarding_hits("Ich habe ein Geheimnis: ich will Moderatorin werden.");
    assert!(!hits.is_empty(), "the hint should still be a feature");
    assert!(!rule_assigns(lexicon(), &hits, Category::Safeguarding, 0.5));
}
