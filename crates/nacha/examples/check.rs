//! Validates files and prints the findings: `cargo run --example check -- FILE... [--all]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let policy = if args.iter().any(|a| a == "--all") {
        nacha::Policy::permissive()
    } else {
        nacha::Policy::default()
    };
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        let report = nacha::validate(file, &policy)?;
        println!(
            "{path}: accepted={} {:?}",
            report.is_accepted(),
            report.summary
        );
        for f in &report.findings {
            println!(
                "  {}:{} {} {} {:?} {}",
                f.line, f.record_type, f.field, f.code, f.severity, f.message
            );
        }
    }
    Ok(())
}
