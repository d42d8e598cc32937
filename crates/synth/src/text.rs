//! Realistic text for generated cells, and date/number formatting.

use crate::Rng;

const FIRST: &[&str] = &[
    "Amanda", "Pete", "Daisy", "Sam", "Maria", "José", "Wei", "Aisha", "Liam", "Olivia", "Noah",
    "Emma", "Mateo", "Sofía", "Hiroshi", "Priya", "Chloé", "Jonas", "Fatima", "Kwame",
];
const LAST: &[&str] = &[
    "Smith",
    "García",
    "Nguyen",
    "Johnson",
    "Okafor",
    "Müller",
    "Kowalski",
    "Chen",
    "Patel",
    "Brown",
    "O'Neil",
    "Rossi",
    "Haddad",
    "Andersson",
    "Silva",
    "Kim",
    "Dubois",
    "Novak",
    "Cohen",
    "Lopez",
];
const BUSINESS: &[&str] = &[
    "Pete's Pizza LLC",
    "Rainy Day Bakery",
    "Northwind Traders",
    "Blue Heron Design",
    "Acme Tools Inc",
    "Lakeside Dental PC",
    "Summit Freight Co",
    "Maple & Oak Furniture",
    "Bright Path Tutoring",
];
const PRODUCTS: &[&str] = &[
    "Everyday Checking",
    "Rainy Day Fund",
    "Secured Card",
    "Rewards Credit",
    "Business Checking",
];
const MERCHANTS: &[&str] = &[
    "COFFEE HOUSE 123",
    "GROCERY MART #44",
    "RIDESHARE TRIP",
    "ONLINE BOOKS",
    "FUEL STOP 9",
];
const REASONS: &[&str] = &[
    "customer request",
    "fraud suspected",
    "card lost",
    "policy decision",
    "account paid off",
];

/// A string cell by column name. `unique` cells get an id that never repeats within the file.
pub fn string_for(name: &str, unique: bool, n: u64, tag: &str, rng: &mut Rng) -> String {
    if name == "id" {
        return format!("subledger_balance_{tag}{n:010}");
    }
    if unique || (name.starts_with("client_") && name.ends_with("_id")) {
        return format!("{}-{tag}-{n:08}", abbrev(name));
    }
    if name.ends_with("_id") {
        return format!("{}-{:07}", abbrev(name), rng.below(100_000));
    }
    match name {
        "first_name" | "preferred_first_name" | "middle_name" => rng.pick(FIRST).to_string(),
        "last_name" => rng.pick(LAST).to_string(),
        "business_name" | "doing_business_as" | "purchasing_entity" | "location" => {
            rng.pick(BUSINESS).to_string()
        }
        "website" => format!("https://www.example-{}.com", rng.below(1000)),
        "occupation" => rng
            .pick(&["teacher", "nurse", "engineer", "chef", "driver"])
            .to_string(),
        "bin" => format!("{}", 400_000 + rng.below(99_999)),
        _ if name.contains("product") || name.contains("balance_name") => {
            rng.pick(PRODUCTS).to_string()
        }
        _ if name.contains("description") => rng.pick(MERCHANTS).to_string(),
        _ if name.contains("reason") => rng.pick(REASONS).to_string(),
        _ => format!("{}-{}", abbrev(name), rng.below(10_000)),
    }
}

fn abbrev(name: &str) -> String {
    let core = name.trim_start_matches("client_").trim_end_matches("_id");
    core.split('_')
        .filter_map(|w| w.chars().next())
        .collect::<String>()
        + &core[..core.len().min(3)]
}

/// Civil date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` of a day count.
pub fn date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch.
pub fn datetime(secs: i64) -> String {
    let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(days),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `minor` units of 10^-2 as a decimal with `places` fractional digits (exact: no floats).
pub fn decimal(cents: u64, places: u32) -> String {
    let (units, frac) = (cents / 100, cents % 100);
    match places {
        0 => units.to_string(),
        1 => format!("{units}.{}", frac / 10),
        p => format!("{units}.{frac:02}{}", "0".repeat(p as usize - 2)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validate::values::parse_date;

    #[test]
    fn dates_round_trip_through_the_validator_parser() {
        for d in [-1000, 0, 59, 10_000, 20_480] {
            assert_eq!(parse_date(&date(d)), Some(d));
        }
        assert_eq!(datetime(86_399), "1970-01-01T23:59:59Z");
        assert_eq!(decimal(1150, 3), "11.500");
        assert_eq!(decimal(1150, 0), "11");
    }
}
