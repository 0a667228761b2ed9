//! The only way Resonanz reads the time. Production uses `SystemClock`; tests use `FakeClock`
//! and move time forward explicitly instead of sleeping.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

pub type Timestamp = DateTime<Utc>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Utc::now()
    }
}

/// A clock that stands still until told to move. Cloning shares the same time.
#[derive(Debug, Clone)]
pub struct FakeClock {
    now: Arc<Mutex<Timestamp>>,
}

impl FakeClock {
    pub fn new(start: Timestamp) -> Self {
        Self { now: Arc::new(Mutex::new(start)) }
    }

    /// 2026-03-02 09:00 UTC, a Monday morning: a stable default for tests.
    pub fn default_start() -> Self {
        let start = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now());
        Self::new(start)
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}
