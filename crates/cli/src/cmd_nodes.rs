//! `bankdrop nodes`: the nodes serving the store, whether they are alive, their leases (the
//! files and nightly runs they are working on). On SQLite, the one process serving it.

use anyhow::Result;
use service::setup::open_store;
use service::Config;
use std::fmt::Write;
use store::{Cluster, Lease, NodeRow};

/// `bankdrop nodes`
#[derive(clap::Args)]
pub struct Args {
    /// Also list nodes that stopped sending heartbeats.
    #[arg(long)]
    pub all: bool,
}

/// Prints the table.
pub fn run(cfg: &Config, args: Args) -> Result<()> {
    let store = open_store(cfg)?;
    let mut out = format!("store: {}\n", store.describe());
    if let Some(db) = store.path() {
        // Its cluster lives in the serving process: the lock file says which one that is.
        match pipeline::node::sole_server(db) {
            Some((pid, name, info)) => {
                let _ = writeln!(out, "one node: {name} (pid {pid}), {info}");
            }
            None => out.push_str("no `bankdrop serve` is running on it\n"),
        }
        print!("{out}");
        return Ok(());
    }
    // A node is dead once its heartbeat is older than a lease: its leases have lapsed too.
    let nodes = store.nodes(cfg.cluster.lease.0)?;
    let leases = store.leases()?;
    print!("{}", table(&out, &nodes, &leases, args.all));
    Ok(())
}

/// The listing: a line a node, its leases indented below it; leases of nodes not listed last.
fn table(head: &str, nodes: &[NodeRow], leases: &[Lease], all: bool) -> String {
    let mut out = head.to_string();
    let shown: Vec<&NodeRow> = nodes.iter().filter(|n| all || n.alive).collect();
    let width = shown.iter().map(|n| n.name.len()).max().unwrap_or(4).max(4);
    let _ = writeln!(
        out,
        "{:width$}  {:5}  {:24}  {:24}  INFO",
        "NODE", "STATE", "STARTED", "LAST HEARTBEAT"
    );
    for n in &shown {
        let state = if n.alive { "alive" } else { "dead" };
        let _ = writeln!(
            out,
            "{:width$}  {state:5}  {:24}  {:24}  {}",
            n.name, n.started_at, n.heartbeat_at, n.info
        );
        for l in &n.leases {
            let _ = writeln!(out, "  {} {} (lease until {})", l.kind, l.key, l.expires_at);
        }
    }
    let hidden = nodes.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(out, "({hidden} dead nodes not shown: --all lists them)");
    }
    let orphans: Vec<&Lease> = leases
        .iter()
        .filter(|l| !shown.iter().any(|n| n.name == l.node))
        .collect();
    if !orphans.is_empty() {
        out.push_str("leases of nodes not listed:\n");
        for l in orphans {
            let _ = writeln!(
                out,
                "  {} {} held by {} (until {})",
                l.kind, l.key, l.node, l.expires_at
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(key: &str, node: &str) -> Lease {
        Lease {
            kind: "file".into(),
            key: key.into(),
            node: node.into(),
            expires_at: "2026-12-07T10:00:30.000Z".into(),
        }
    }

    fn node(name: &str, alive: bool, leases: Vec<Lease>) -> NodeRow {
        NodeRow {
            name: name.into(),
            started_at: "2026-12-07T09:00:00.000Z".into(),
            heartbeat_at: "2026-12-07T10:00:00.000Z".into(),
            alive,
            info: format!("bankdrop pid 1 sftp {name}"),
            leases,
        }
    }

    #[test]
    fn live_nodes_with_their_leases_and_leases_of_hidden_nodes_last() {
        let a = lease("demo/card/a.csv", "node-a");
        let b = lease("demo/card/b.csv", "gone");
        let nodes = [
            node("node-a", true, vec![a.clone()]),
            node("gone", false, vec![b.clone()]),
        ];
        let text = table("store: x\n", &nodes, &[a, b], false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "store: x");
        assert!(lines[1].starts_with("NODE    STATE  STARTED"), "{text}");
        assert!(
            lines[2].starts_with("node-a  alive  2026-12-07T09:00:00.000Z"),
            "{text}"
        );
        assert!(lines[2].ends_with("bankdrop pid 1 sftp node-a"), "{text}");
        assert_eq!(
            lines[3],
            "  file demo/card/a.csv (lease until 2026-12-07T10:00:30.000Z)"
        );
        assert_eq!(lines[4], "(1 dead nodes not shown: --all lists them)");
        assert_eq!(lines[5], "leases of nodes not listed:");
        assert!(lines[6].contains("demo/card/b.csv held by gone"), "{text}");
        let all = table("", &nodes, &[], true);
        assert!(all.contains("\ngone    dead "), "{all}");
    }
}
