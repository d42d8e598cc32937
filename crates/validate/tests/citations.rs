//! Every citation of the bank's documentation in the repository opens in the repository: each
//! `spec NN §x.y`, `spec NN Appendix X`, decision `D<n>` and decision `rule <n>` found in
//! `crates/`, `schemas/` and `README.md` names a heading of the summaries in `docs/spec/`.
//! The rules (which text counts as a citation, which heading it needs) are in
//! `docs/spec/README.md`; this test is their executable form.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// `NN` of `spec NN` → the summary file under `docs/spec/`.
const SPEC_FILES: [(&str, &str); 7] = [
    ("00", "00-decisions.md"),
    ("01", "01-delivery.md"),
    ("02", "02-customers.md"),
    ("03", "03-applications-accounts.md"),
    ("04", "04-cards-settlement.md"),
    ("05", "05-balances-transactions.md"),
    ("06", "06-nacha-reporting.md"),
];

/// What a citation points at. Decisions and decision rules live in `00-decisions.md`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    /// `spec NN §x.y`: the spec file and the section number.
    Section(String, String),
    /// `spec NN Appendix X`.
    Appendix(String, String),
    /// `D<n>` / `decision D<n>`.
    Decision(u32),
    /// `decision rule <n>`, `spec 00 rule <n>`: the numbered rules at the top of 00-decisions.
    Rule(u32),
}

impl Target {
    fn spec(&self) -> Option<&str> {
        match self {
            Target::Section(s, _) | Target::Appendix(s, _) => Some(s),
            Target::Decision(_) | Target::Rule(_) => Some("00"),
        }
    }

    fn show(&self) -> String {
        match self {
            Target::Section(s, n) => format!("spec {s} §{n}"),
            Target::Appendix(s, a) => format!("spec {s} Appendix {a}"),
            Target::Decision(n) => format!("D{n}"),
            Target::Rule(n) => format!("decision rule {n}"),
        }
    }
}

/// One citation found in the repository.
#[derive(Debug)]
struct Citation {
    target: Target,
    /// A § with no `spec NN` of its own, read as belonging to the `spec NN` cited last before it
    /// in the same file (the line of that reference); `None` when it had its own `spec NN`.
    inherited_from: Option<usize>,
    file: String,
    line: usize,
}

/// A § with no `spec NN` anywhere before it in its file: it cannot be resolved.
#[derive(Debug)]
struct Orphan {
    section: String,
    file: String,
    line: usize,
}

struct Patterns {
    /// `spec NN` followed by a list of sections: `§3.2, §8`, `§3.3 / §3.4`, `§3.3–§3.5`,
    /// `§7.1–7.2`, `§4.1 (A7), §8.1 (Ac7)`, `§9.13 and §5`.
    list: Regex,
    /// One item of such a list: a `§` number, or a range's bare upper end.
    item: Regex,
    paren: Regex,
    /// Any `spec NN`, to attribute a bare § to the last one.
    spec_ref: Regex,
    section: Regex,
    appendix: Regex,
    decision: Regex,
    rule: Regex,
}

impl Patterns {
    fn new() -> Patterns {
        const NUM: &str = r"[0-9]+(?:\.[0-9]+)*";
        let paren = r"(?:[ \t]*\([^()\n]*\))?";
        let sep = r"[ \t]*(?:,|/|;|&|\band\b|\bor\b|–|—|-)[ \t]*";
        let list = format!(
            r"(?i:\bspec) (0[0-6])[ \t]+(§{NUM}{paren}(?:{sep}§{NUM}{paren}|[–-]{NUM}{paren})*)"
        );
        Patterns {
            list: Regex::new(&list).unwrap(),
            item: Regex::new(&format!(r"(?:§|[–-])({NUM})")).unwrap(),
            paren: Regex::new(r"\([^()\n]*\)").unwrap(),
            spec_ref: Regex::new(r"(?i:\bspec) (0[0-6])\b").unwrap(),
            section: Regex::new(&format!(r"§({NUM})")).unwrap(),
            appendix: Regex::new(r"(?i:\bspec) (0[0-6]) (?i:appendix) ([A-Z])\b").unwrap(),
            decision: Regex::new(r"\bD(10|[1-9])\b").unwrap(),
            rule: Regex::new(
                r"(?i)\b(?:decision|spec 00)[ \t]+(?:\([ \t]*|by[ \t]+)?rule[ \t]+([0-9]+)\b",
            )
            .unwrap(),
        }
    }
}

/// The citations of one file's text, with 1-based line numbers.
fn extract(p: &Patterns, file: &str, text: &str) -> (Vec<Citation>, Vec<Orphan>) {
    let line_at = {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        move |offset: usize| starts.partition_point(|&s| s <= offset)
    };
    let mut out = Vec::new();
    let mut orphans = Vec::new();
    let cite = |target: Target, inherited_from: Option<usize>, offset: usize| Citation {
        target,
        inherited_from,
        file: file.to_string(),
        line: line_at(offset),
    };

    // Sections with their own `spec NN`; the § positions they cover are not bare.
    let mut covered = BTreeSet::new();
    for m in p.list.captures_iter(text) {
        let spec = m.get(1).unwrap().as_str();
        let items = m.get(2).unwrap();
        // A parenthesis after an item (`§4.1 (A7)`) is not part of the list: blanked, with its
        // byte length kept, so a § inside it counts as bare.
        let list = p
            .paren
            .replace_all(items.as_str(), |c: &regex::Captures| " ".repeat(c[0].len()));
        for i in p.item.captures_iter(&list) {
            let n = i.get(1).unwrap();
            let target = Target::Section(spec.to_string(), n.as_str().to_string());
            out.push(cite(target, None, items.start() + n.start()));
        }
        for s in p.section.find_iter(&list) {
            covered.insert(items.start() + s.start());
        }
    }

    // Bare sections: the last `spec NN` before them names their file.
    let refs: Vec<(usize, &str)> = p
        .spec_ref
        .captures_iter(text)
        .map(|c| (c.get(0).unwrap().start(), c.get(1).unwrap().as_str()))
        .collect();
    for s in p.section.captures_iter(text) {
        let at = s.get(0).unwrap().start();
        if covered.contains(&at) {
            continue;
        }
        let n = s.get(1).unwrap().as_str().to_string();
        match refs.iter().take_while(|(o, _)| *o < at).last() {
            Some(&(o, spec)) => out.push(cite(
                Target::Section(spec.to_string(), n),
                Some(line_at(o)),
                at,
            )),
            None => orphans.push(Orphan {
                section: n,
                file: file.to_string(),
                line: line_at(at),
            }),
        }
    }

    for a in p.appendix.captures_iter(text) {
        let target = Target::Appendix(a[1].to_string(), a[2].to_string());
        out.push(cite(target, None, a.get(0).unwrap().start()));
    }
    for d in p.decision.captures_iter(text) {
        out.push(cite(
            Target::Decision(d[1].parse().unwrap()),
            None,
            d.get(0).unwrap().start(),
        ));
    }
    for r in p.rule.captures_iter(text) {
        out.push(cite(
            Target::Rule(r[1].parse().unwrap()),
            None,
            r.get(0).unwrap().start(),
        ));
    }
    (out, orphans)
}

/// Every file under `dir`, sorted, skipping `target/` and fuzzing corpora.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let in_fuzz = dir.file_name().is_some_and(|n| n == "fuzz");
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name == "target" || (in_fuzz && (name == "corpus" || name == "artifacts")) {
                continue;
            }
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// What the headings of one summary file name: `§x.y`, `D<n>`, `Rule <n>`, `Appendix X`,
/// each as the first word of a Markdown heading (outside fenced code).
fn headings(text: &str) -> BTreeSet<Target> {
    let num = Regex::new(r"^§([0-9]+(?:\.[0-9]+)*)$").unwrap();
    let dec = Regex::new(r"^D(10|[1-9])$").unwrap();
    let mut found = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let rest = line.trim_start_matches('#');
        if fenced || rest.len() == line.len() || !rest.starts_with([' ', '\t']) {
            continue;
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        let first = words.first().copied().unwrap_or("");
        let second = words.get(1).copied().unwrap_or("");
        // The spec file is filled in by the caller; "" here.
        if let Some(c) = num.captures(first) {
            found.insert(Target::Section(String::new(), c[1].to_string()));
        } else if let Some(c) = dec.captures(first) {
            found.insert(Target::Decision(c[1].parse().unwrap()));
        } else if first == "Rule"
            && second.chars().all(|c| c.is_ascii_digit())
            && !second.is_empty()
        {
            found.insert(Target::Rule(second.parse().unwrap()));
        } else if first == "Appendix"
            && second.len() == 1
            && second.chars().all(|c| c.is_ascii_uppercase())
        {
            found.insert(Target::Appendix(String::new(), second.to_string()));
        }
    }
    found
}

/// Whether `target` has a heading. A section of three or more levels (`§3.3.2`), deeper than
/// the summaries number, may resolve to its nearest ancestor of at least two levels (`§3.3`).
fn resolves(target: &Target, heads: &BTreeSet<Target>) -> bool {
    match target {
        Target::Section(_, n) => {
            let mut n = n.as_str();
            loop {
                if heads.contains(&Target::Section(String::new(), n.to_string())) {
                    return true;
                }
                match n.rsplit_once('.') {
                    Some((parent, _)) if n.matches('.').count() >= 2 => n = parent,
                    _ => return false,
                }
            }
        }
        Target::Appendix(_, a) => heads.contains(&Target::Appendix(String::new(), a.clone())),
        Target::Decision(_) | Target::Rule(_) => heads.contains(target),
    }
}

#[test]
fn every_citation_resolves_to_a_heading() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let docs = root.join("docs/spec");

    let mut heads = BTreeMap::new();
    for (spec, name) in SPEC_FILES {
        let path = docs.join(name);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        heads.insert(spec, headings(&text));
    }

    let mut files = vec![root.join("README.md")];
    walk(&root.join("crates"), &mut files);
    walk(&root.join("schemas"), &mut files);

    let p = Patterns::new();
    let mut citations = Vec::new();
    let mut orphans = Vec::new();
    // This file's own examples are made up (some on purpose do not exist): not citations.
    let this_file = "crates/validate/tests/citations.rs";
    for path in &files {
        // Binary files (none expected in these folders) carry no citations.
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let rel = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == this_file {
            continue;
        }
        let (c, o) = extract(&p, &rel, &text);
        citations.extend(c);
        orphans.extend(o);
    }

    let mut unresolved = Vec::new();
    for c in &citations {
        let spec = c.target.spec().unwrap();
        let name = SPEC_FILES.iter().find(|(s, _)| *s == spec).unwrap().1;
        if !resolves(&c.target, &heads[spec]) {
            let how = match c.inherited_from {
                Some(l) => format!(" (a bare §, read as spec {spec} cited on line {l})"),
                None => String::new(),
            };
            unresolved.push(format!(
                "{}:{}: `{}`{how} has no heading in docs/spec/{name}",
                c.file,
                c.line,
                c.target.show()
            ));
        }
    }
    for o in &orphans {
        unresolved.push(format!(
            "{}:{}: `§{}` follows no `spec NN` in its file, so its spec file is unknown",
            o.file, o.line, o.section
        ));
    }

    let distinct: BTreeSet<&Target> = citations.iter().map(|c| &c.target).collect();
    eprintln!(
        "{} citations ({} distinct) in {} files checked against docs/spec/",
        citations.len(),
        distinct.len(),
        files.len()
    );
    assert!(
        distinct.iter().any(|t| matches!(t, Target::Section(..)))
            && distinct.iter().any(|t| matches!(t, Target::Decision(_))),
        "no spec or no decision citation found under {}: is the walk looking in the right place?",
        root.display()
    );
    assert!(
        unresolved.is_empty(),
        "{} citation(s) do not open in docs/spec/ (rules: docs/spec/README.md):\n{}",
        unresolved.len(),
        unresolved.join("\n")
    );
}

#[test]
fn the_extractor_reads_the_documented_forms() {
    let p = Patterns::new();
    let text = "a (spec 05 §3.2, §8) b\n\
                spec 05 §3.3/§3.4 and spec 06 §9.8–9.9.\n\
                spec 03 §4.1 (A7), §8.1 (Ac7); Spec 02 §2.3 and spec 05 Appendix C step 3\n\
                the formulas (§3.3 / §3.4), decision D9, D2–D5, ID0510, xD7, D11\n\
                decision rule 3, the decision (rule 1), spec 00 rule 4\n";
    let (c, orphans) = extract(&p, "t", text);
    let got: Vec<(String, usize, bool)> = c
        .iter()
        .map(|c| (c.target.show(), c.line, c.inherited_from.is_some()))
        .collect();
    let want = [
        ("spec 05 §3.2", 1, false),
        ("spec 05 §8", 1, false),
        ("spec 05 §3.3", 2, false),
        ("spec 05 §3.4", 2, false),
        ("spec 06 §9.8", 2, false),
        ("spec 06 §9.9", 2, false),
        ("spec 03 §4.1", 3, false),
        ("spec 03 §8.1", 3, false),
        ("spec 02 §2.3", 3, false),
        ("spec 05 §3.3", 4, true),
        ("spec 05 §3.4", 4, true),
        ("spec 05 Appendix C", 3, false),
        ("D9", 4, false),
        ("D2", 4, false),
        ("D5", 4, false),
        ("decision rule 3", 5, false),
        ("decision rule 1", 5, false),
        ("decision rule 4", 5, false),
    ];
    let want: Vec<(String, usize, bool)> = want
        .iter()
        .map(|(s, l, b)| (s.to_string(), *l, *b))
        .collect();
    assert_eq!(got, want);
    assert!(orphans.is_empty());

    let (_, orphans) = extract(&p, "t", "per §9.10 before any spec reference");
    assert_eq!(orphans.len(), 1);
}

#[test]
fn subsections_fall_back_to_a_two_level_parent_only() {
    let heads = headings("# T\n## §3 Top\n### §3.3 Sub\n```\n## §9.9 in a code block\n```\n## D7 — x\n### Rule 3 — y\n## Appendix C — z\n");
    let sec = |n: &str| Target::Section("05".into(), n.into());
    assert!(resolves(&sec("3.3"), &heads));
    assert!(resolves(&sec("3.3.2"), &heads));
    assert!(resolves(&sec("3.3.2.1"), &heads));
    assert!(resolves(&sec("3"), &heads));
    assert!(
        !resolves(&sec("3.9"), &heads),
        "a missing §3.9 must not hide behind §3"
    );
    assert!(!resolves(&sec("3.30"), &heads));
    assert!(
        !resolves(&sec("9.9"), &heads),
        "headings inside code fences do not count"
    );
    assert!(resolves(&Target::Decision(7), &heads));
    assert!(!resolves(&Target::Decision(1), &heads));
    assert!(resolves(&Target::Rule(3), &heads));
    assert!(resolves(&Target::Appendix("05".into(), "C".into()), &heads));
}
