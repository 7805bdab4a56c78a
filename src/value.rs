//! The estate's scalar formats: durations (`15m 4h 30d 2w 18mo 1y`), percentages (`40%`) and
//! dates (`YYYY-MM-DD`), parsed into comparable values.

/// A duration in seconds. A month counts as 30 days and a year as 365 days.
pub fn parse_duration(s: &str) -> Option<u64> {
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let unit: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "mo" => 30 * 86_400,
        "y" => 365 * 86_400,
        _ => return None,
    };
    n.checked_mul(unit)
}

pub fn is_duration(s: &str) -> bool {
    parse_duration(s).is_some()
}

/// A percentage as a number (`40%` → 40.0).
pub fn parse_percentage(s: &str) -> Option<f64> {
    let number = s.strip_suffix('%')?;
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !frac.is_none_or(digits) {
        return None;
    }
    number.parse().ok()
}

pub fn is_percentage(s: &str) -> bool {
    parse_percentage(s).is_some()
}

/// A calendar date, comparable and convertible to a day number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`, rejecting dates that do not exist (`2026-02-30`).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let date = Date {
            year: num(0..4)? as i32,
            month: num(5..7)?,
            day: num(8..10)?,
        };
        let valid = (1..=12).contains(&date.month)
            && (1..=days_in_month(date.year, date.month)).contains(&date.day);
        valid.then_some(date)
    }

    /// The date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today's date (UTC) by the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    pub fn days(self) -> i64 {
        let (y, m, d) = (self.year as i64, self.month as i64, self.day as i64);
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Some(900));
        assert_eq!(parse_duration("18mo"), Some(18 * 30 * 86_400));
        assert_eq!(parse_duration("0m"), Some(0));
        for bad in [
            "",
            "m",
            "4hours",
            "1.5h",
            "-1d",
            "4 h",
            "99999999999999999999y",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        /// What `select::compare` relies on to compare two words as text without reading
        /// them: no duration, date or percentage starts with anything but a digit.
        #[test]
        fn only_text_starting_with_a_digit_reads_as_a_quantity(
            text in "[^0-9][0-9a-z%.:+-]{0,12}|[-+.%a-z][0-9%.-]{0,10}",
        ) {
            proptest::prop_assert!(parse_duration(&text).is_none());
            proptest::prop_assert!(Date::parse(&text).is_none());
            proptest::prop_assert!(parse_percentage(&text).is_none());
        }
    }

    #[test]
    fn percentages() {
        assert_eq!(parse_percentage("40%"), Some(40.0));
        assert_eq!(parse_percentage("62.5%"), Some(62.5));
        for bad in ["40", "%", ".5%", "5.%", "-3%", "4 0%"] {
            assert_eq!(parse_percentage(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2026-02-29").is_none());
        assert!(Date::parse("2026-13-01").is_none());
        assert!(Date::parse("26-01-01").is_none());
        let a = Date::parse("2026-11-23").unwrap();
        let b = Date::parse("2026-08-25").unwrap();
        assert_eq!(a.days() - b.days(), 90);
        assert_eq!(Date::parse("1970-01-01").unwrap().days(), 0);
        for d in ["2024-02-29", "2026-11-23", "1999-12-31", "2000-03-01"] {
            let date = Date::parse(d).unwrap();
            assert_eq!(Date::from_days(date.days()), date);
        }
    }
}
