//! Writes a generated file to stdout: `cargo run --example gen -- ENTRIES SEC SEED`.

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let entries = args.get(1).map_or(Ok(20), |s| s.parse())?;
    let sec: nacha::SecCode = args.get(2).map_or("PPD", String::as_str).parse()?;
    let seed = args.get(3).map_or(Ok(1), |s| s.parse())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    nacha::gen::generate(entries, sec, seed, &mut out)?;
    out.flush()?;
    Ok(())
}
