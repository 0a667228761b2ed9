//! The nine stable category names.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the nine message categories (multi-label). The snake_case names are stable: they are stored in
/// the database, in the dataset files and in the model.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Routine,
    Question,
    Complaint,
    Praise,
    Sensitive,
    Child,
    Safeguarding,
    Threat,
    Spam,
}

impl Category {
    /// All categories in their fixed order (the order of the model's weight rows).
    pub const ALL: [Category; 9] = [
        Category::Routine,
        Category::Question,
        Category::Complaint,
        Category::Praise,
        Category::Sensitive,
        Category::Child,
        Category::Safeguarding,
        Category::Threat,
        Category::Spam,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Routine => "routine",
            Category::Question => "question",
            Category::Complaint => "complaint",
            Category::Praise => "praise",
            Category::Sensitive => "sensitive",
            Category::Child => "child",
            Category::Safeguarding => "safeguarding",
            Category::Threat => "threat",
            Category::Spam => "spam",
        }
    }

    /// Parses a snake_case name (case-insensitive, surrounding blanks ignored).
    pub fn parse(name: &str) -> Option<Category> {
        let name = name.trim().to_ascii_lowercase();
        Category::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Position in [`Category::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::parse(s).ok_or_else(|| format!("unknown category {s:?}"))
    }
}
