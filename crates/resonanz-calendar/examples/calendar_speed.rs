//! Times `add_business_time` for a deadline five business days ahead.
//!
//! `cargo run -p resonanz-calendar --example calendar_speed` (add `--release` for real numbers).

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use resonanz_calendar::{CalendarSpec, Closure};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = CalendarSpec {
        time_zone: "Europe/Berlin".to_owned(),
        hours: "Mo-Fr 08:00-18:00".to_owned(),
        state: Some("NW".to_owned()),
        closures: vec![Closure {
            from: NaiveDate::from_ymd_opt(2026, 12, 24).ok_or("date")?,
            to: NaiveDate::from_ymd_opt(2027, 1, 1).ok_or("date")?,
            name: "Betriebsferien".to_owned(),
        }],
        holidays: true,
    };
    let calendar = spec.compile()?;
    let first = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).ok_or("start")?; // 2026-01-01
    let five_days = Duration::hours(50);
    const CALLS: u32 = 100_000;

    // Starts spread over the year (every 5 min 17 s ≈ 1 year in total).
    let starts: Vec<DateTime<Utc>> = (0..CALLS).map(|i| first + Duration::seconds(i64::from(i) * 317)).collect();

    let begin = Instant::now();
    let mut checksum = 0i64;
    for &start in &starts {
        if let Some(deadline) = calendar.add_business_time(black_box(start), five_days) {
            checksum = checksum.wrapping_add(deadline.timestamp());
        }
    }
    let elapsed = begin.elapsed();
    println!(
        "{CALLS} add_business_time calls (5 business days): {:.1} ms, {:.0} ns/call (checksum {checksum})",
        elapsed.as_secs_f64() * 1e3,
        elapsed.as_nanos() as f64 / f64::from(CALLS)
    );
    Ok(())
}
