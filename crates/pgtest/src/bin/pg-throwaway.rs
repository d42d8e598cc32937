//! `pg-throwaway [--durable]`: starts a throwaway PostgreSQL server (as the tests do), creates
//! database `bankdrop`, prints its url on standard output, and runs until its standard input
//! closes; then it stops the server and removes its files. For scripts (the benchmarks):
//!
//! ```sh
//! exec 3> >(cargo run -q -p bankdrop-pgtest --bin pg-throwaway -- --durable >url.txt)
//! # … read url.txt once it is written; closing fd 3 stops the server.
//! ```
//!
//! `--durable` keeps `fsync=on` (the tests' servers run without it).

use std::io::Read;
use std::process::ExitCode;

fn main() -> ExitCode {
    let durable = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--durable") => true,
        Some(other) => {
            eprintln!("pg-throwaway: unknown argument `{other}` (usage: pg-throwaway [--durable])");
            return ExitCode::from(2);
        }
    };
    let server = match pgtest::Server::start_with(durable) {
        Ok(Some(s)) => s,
        Ok(None) => {
            eprintln!("pg-throwaway: no PostgreSQL binaries (apt-get install postgresql)");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("pg-throwaway: {e}");
            return ExitCode::FAILURE;
        }
    };
    match server.create_database("bankdrop") {
        Ok(url) => println!("{url}"),
        Err(e) => {
            eprintln!("pg-throwaway: {e}");
            return ExitCode::FAILURE;
        }
    }
    // Until the caller closes our standard input (or exits): then the server goes with us.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
