//! The shipped schemas load and pass the loader's checks (spec 00 rule 4: schemas are data).

use std::path::PathBuf;
use validate::schema::Schemas;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

#[test]
fn every_file_type_loads() {
    let s = Schemas::load_dir(&dir()).unwrap_or_else(|e| panic!("{e}"));
    let types: Vec<&str> = s.iter().map(|s| s.file_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "account",
            "application",
            "authorized_user",
            "card",
            "collateral",
            "customer",
            "customer_relationship",
            "balance",
            "non_posted_transaction",
            "sales_response",
            "transaction",
            "transaction_update"
        ]
        .iter()
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
    );
    assert_eq!(s.refdata.minor_units("USD"), Some(2));
    assert_eq!(s.refdata.minor_units("JPY"), Some(0));
    assert!(s.refdata.is_country("DE") && s.refdata.is_state("TX"));
    assert!(s.get("beneficial_owner").is_some());
}

#[test]
fn builtin_copy_matches_the_schema_directory() {
    let from_dir = Schemas::load_dir(&dir()).unwrap();
    let builtin = Schemas::builtin().unwrap();
    let d: Vec<String> = from_dir.iter().map(|s| s.header_line()).collect();
    let b: Vec<String> = builtin.iter().map(|s| s.header_line()).collect();
    assert_eq!(d, b);
}

#[test]
fn readme_documents_every_code() {
    let readme = std::fs::read_to_string(dir().join("../README.md")).unwrap();
    for c in validate::CODES {
        let row = format!(
            "| `{}` | {} | ",
            c.code,
            format!("{:?}", c.severity).to_lowercase()
        );
        assert!(readme.contains(&row), "README lacks the row for {}", c.code);
    }
}

#[test]
fn broken_schemas_fail_with_file_and_line() {
    let bad = "file_type = \"x\"\ntitle = \"X\"\nsource = \"s\"\n\n[[columns]]\nname = \"a\"\ntype = \"strng\"\nsource = \"s\"\n";
    let e = validate::schema::parse_schema("x.toml", bad)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("x.toml:7:"), "{e}");
    let bad = "file_type = \"x\"\ntitle = \"X\"\nsource = \"s\"\n\n[[columns]]\nname = \"a\"\ntype = \"string\"\nvalues = [\"v\"]\nsource = \"s\"\n";
    let e = validate::schema::parse_schema("x.toml", bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("x.toml:5:") && e.contains("only for enum"),
        "{e}"
    );
    let bad = "file_type = \"x\"\ntitle = \"X\"\nsource = \"s\"\n[[columns]]\nname = \"a\"\ntype = \"string\"\nsource = \"s\"\n[[rules]]\nkind = \"required_if\"\ncolumn = \"b\"\nwhen = { column = \"a\", present = true }\nsource = \"s\"\n";
    let e = validate::schema::parse_schema("x.toml", bad)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("x.toml:8:") && e.contains("no column named `b`"),
        "{e}"
    );
}

#[test]
fn references_are_data_and_name_known_types_and_columns() {
    let s = Schemas::load_dir(&dir()).unwrap();
    let tx = s.get("transaction").unwrap();
    let r = tx
        .references
        .iter()
        .find(|r| tx.columns[r.column].name == "balance_id")
        .unwrap();
    assert_eq!(r.to, ["balance"]);
    assert_eq!(r.registry, ["balance"]);
    assert!(r.source.contains("spec 05"));
    let bal = s.get("balance").unwrap();
    let ids: Vec<&str> = bal
        .ref_ids
        .iter()
        .map(|c| bal.columns[*c].name.as_str())
        .collect();
    assert_eq!(ids, ["client_balance_id", "id"]);
    // A reference to a type nobody defined, or to a missing column of the target, fails at load.
    let customer = std::fs::read_to_string(dir().join("customer.toml")).unwrap();
    let refdata = ["currencies.csv", "countries.csv", "us_states.csv"]
        .map(|n| (n, std::fs::read_to_string(dir().join(n)).unwrap()));
    let with = |extra: &str| {
        let text = format!("{customer}\n[[references]]\n{extra}source = \"s\"\n");
        let mut files: Vec<(&str, &str)> = refdata.iter().map(|(n, t)| (*n, t.as_str())).collect();
        files.push(("customer.toml", &text));
        Schemas::from_sources(files)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let e = with("column = \"client_customer_id\"\nto = [\"widget\"]\n").unwrap_err();
    assert!(e.contains("unknown file type `widget`"), "{e}");
    let e = with("column = \"client_customer_id\"\nto = [\"customer\"]\ntarget_is = { column = \"colour\", in = [\"x\"] }\n").unwrap_err();
    assert!(e.contains("no column `colour`"), "{e}");
    let e = with("column = \"nope\"\nto = [\"customer\"]\n").unwrap_err();
    assert!(e.contains("no column named `nope`"), "{e}");
    let e = with("column = \"client_customer_id\"\n").unwrap_err();
    assert!(e.contains("needs `to` or `registry`"), "{e}");
    assert!(with("column = \"client_customer_id\"\nregistry = [\"entity\"]\n").is_ok());
    // History rules: `later` on dates only, `frozen_when` with known values.
    let history = |extra: &str| {
        let text = format!("{customer}\n[[history]]\n{extra}source = \"s\"\n");
        validate::schema::parse_schema("customer.toml", &text)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let e = history("kind = \"later\"\ncolumn = \"first_name\"\n").unwrap_err();
    assert!(e.contains("date and datetime"), "{e}");
    let e = history("kind = \"frozen_when\"\ncolumn = \"customer_type\"\nvalues = [\"alien\"]\n")
        .unwrap_err();
    assert!(e.contains("alien"), "{e}");
    let e = history("kind = \"sometimes\"\ncolumn = \"customer_type\"\n").unwrap_err();
    assert!(e.contains("unknown history kind"), "{e}");
    assert!(history("kind = \"later\"\ncolumn = \"date_of_birth\"\n").is_ok());
    let acct = s.get("account").unwrap();
    assert_eq!(acct.history.len(), 2);
    // A membership names list columns the target has.
    let all: Vec<(String, String)> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml" || x == "csv"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    let card = all
        .iter()
        .find(|(n, _)| n == "card.toml")
        .unwrap()
        .1
        .clone();
    let with_card = |card: &str| {
        let files = all
            .iter()
            .map(|(n, t)| (n.as_str(), if n == "card.toml" { card } else { t.as_str() }));
        Schemas::from_sources(files)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert!(with_card(&card).is_ok());
    let e = with_card(&card.replace("\"authorized_users\"]", "\"currency\"]")).unwrap_err();
    assert!(e.contains("no list column `currency`"), "{e}");
}
