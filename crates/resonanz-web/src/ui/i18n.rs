//! Translations: every UI string comes from a Fluent file (`locales/de.ftl`, `locales/en.ftl`),
//! embedded at build time. German is the default; a test checks both files have the same keys.

use std::borrow::Borrow;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use resonanz_core::Timestamp;

pub const DE: &str = include_str!("../../locales/de.ftl");
pub const EN: &str = include_str!("../../locales/en.ftl");

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: names are shown in plain HTML.
    b.set_use_isolating(false);
    match FluentResource::try_new(source.to_string()) {
        Ok(r) => {
            if let Err(errors) = b.add_resource(r) {
                tracing::error!(?errors, lang, "duplicate translation keys");
            }
        }
        Err((r, errors)) => {
            tracing::error!(?errors, lang, "translation file has errors");
            let _ = b.add_resource(r);
        }
    }
    b
}

static BUNDLES: LazyLock<[FluentBundle<FluentResource>; 2]> = LazyLock::new(|| [bundle("de", DE), bundle("en", EN)]);

/// The translator of one request.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub locale: &'static str,
}

impl Tr {
    pub fn new(locale: &str) -> Self {
        Self { locale: if locale == "en" { "en" } else { "de" } }
    }

    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        &BUNDLES[usize::from(self.locale == "en")]
    }

    fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let b = self.bundle();
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(key, locale = self.locale, "missing translation");
            return key.to_string();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// The text of a key.
    pub fn get(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The text of a key with one argument.
    pub fn arg(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.format(key, Some(&args))
    }

    /// The text of a key with a count (plural rules apply).
    pub fn count(&self, key: &str, n: i64) -> String {
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n));
        self.format(key, Some(&args))
    }

    /// The text of `prefix-value`, for enumerations (`status-open`, `priority-high`, …).
    pub fn key(&self, prefix: &str, value: impl std::fmt::Display) -> String {
        self.get(&format!("{prefix}-{value}"))
    }

    /// "3 Min.", "2 Std.", "5 Tage" — how long ago, compact for lists.
    pub fn age(&self, then: impl Borrow<Timestamp>, now: impl Borrow<Timestamp>) -> String {
        let (then, now) = (*then.borrow(), *now.borrow());
        let mins = (now - then).num_minutes().max(0);
        if mins < 60 {
            self.count("age-minutes", mins)
        } else if mins < 48 * 60 {
            self.count("age-hours", mins / 60)
        } else {
            self.count("age-days", mins / (60 * 24))
        }
    }

    /// A date and time in the user's language and the organisation's time zone (summer time
    /// included), e.g. `25.11.2026 16:19` or `2026-11-25 16:19 CET`.
    pub fn datetime(&self, t: impl Borrow<Timestamp>) -> String {
        let local = t.borrow().with_timezone(&time_zone());
        if self.locale == "en" {
            local.format("%Y-%m-%d %H:%M %Z").to_string()
        } else {
            local.format("%d.%m.%Y %H:%M").to_string()
        }
    }
}

static TIME_ZONE: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();

/// The time zone pages show times in: set once at start-up (`--time-zone`), Europe/Berlin otherwise.
pub fn set_time_zone(tz: chrono_tz::Tz) {
    let _ = TIME_ZONE.set(tz);
}

pub fn time_zone() -> chrono_tz::Tz {
    *TIME_ZONE.get().unwrap_or(&chrono_tz::Europe::Berlin)
}

/// A `datetime-local` form value (`2026-03-04T09:00`, the organisation's time zone) as an instant.
pub fn local_input(raw: &str) -> Option<Timestamp> {
    let naive = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok()?;
    naive.and_local_timezone(time_zone()).earliest().map(|t| t.with_timezone(&chrono::Utc))
}

/// An instant as a `datetime-local` form value in the organisation's time zone.
pub fn local_value(t: Timestamp) -> String {
    t.with_timezone(&time_zone()).format("%Y-%m-%dT%H:%M").to_string()
}

/// Every message key of a Fluent source, for the completeness test.
pub fn keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '.', '\t']) && !l.trim().is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys_and_parse() {
        let mut de = keys(DE);
        let mut en = keys(EN);
        de.sort();
        en.sort();
        assert!(de.len() > 100, "{}", de.len());
        let missing_en: Vec<_> = de.iter().filter(|k| !en.contains(k)).collect();
        let missing_de: Vec<_> = en.iter().filter(|k| !de.contains(k)).collect();
        assert!(missing_en.is_empty() && missing_de.is_empty(), "missing in en: {missing_en:?}, in de: {missing_de:?}");
        for src in [DE, EN] {
            assert!(FluentResource::try_new(src.to_string()).is_ok());
        }
    }

    #[test]
    fn formats_arguments_and_plurals() {
        let de = Tr::new("de");
        let en = Tr::new("en");
        assert_eq!(de.get("nav-inbox"), "Posteingang");
        assert_eq!(en.get("nav-inbox"), "Inbox");
        assert_eq!(en.count("age-hours", 1), "1 hr");
        assert_eq!(de.count("bulk-selected", 3), "3 ausgewählt");
        assert_eq!(Tr::new("fr").locale, "de");
    }

    #[test]
    fn times_are_shown_in_german_local_time_with_summer_time() {
        let summer = chrono::DateTime::parse_from_rfc3339("2026-07-01T10:00:00Z").unwrap().to_utc();
        let winter = chrono::DateTime::parse_from_rfc3339("2026-11-25T15:19:00Z").unwrap().to_utc();
        assert_eq!(Tr::new("de").datetime(summer), "01.07.2026 12:00");
        assert_eq!(Tr::new("de").datetime(winter), "25.11.2026 16:19");
        assert_eq!(Tr::new("en").datetime(winter), "2026-11-25 16:19 CET");
    }
}
