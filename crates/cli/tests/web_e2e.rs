//! Issue 12, "Done when": the operations pages in a real headless Chromium (driven through
//! chromedriver), and the JSON API: log in, filter the files, open a rejected file and see its
//! errors by column, open a reconciliation day with breaks and acknowledge one; a user limited
//! to another partner sees none of it by URL or API. A break planted on day 2 of a generated
//! program is new on day 2, persisting on day 3 and resolved on day 4, and its acknowledgement
//! survives a restart.

mod common;

use common::web::{self, Serving};
use common::webdriver::Driver;
use common::workdir::Workdir;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Every listener on a free port; no demo partner, no nightly run (the days are reconciled by
/// hand, as an operator would).
const SERVE: &str = "[sftp]\nlisten = \"127.0.0.1:0\"\n[web]\nlisten = \"127.0.0.1:0\"\n\
    [metrics]\nlisten = \"127.0.0.1:0\"\n[recon]\nenabled = false\n[demo]\npartner = false\n";
const START: &str = "2026-03-02";
const DAYS: i64 = 5;
const PASSWORD: &str = "correct horse battery";

/// Activity days 1..=5 (file dates START.. carry the day before, D9).
fn day(n: i64) -> String {
    let start = chrono::NaiveDate::parse_from_str(START, "%Y-%m-%d").unwrap();
    (start + chrono::Duration::days(n - 2)).to_string()
}

fn user_add(dir: &Path, name: &str, partner: Option<&str>) {
    let mut cmd = Command::new(common::BIN);
    cmd.args(["--config", "bankdrop.toml", "user", "add", name]);
    if let Some(p) = partner {
        cmd.args(["--partner", p]);
    }
    let mut child = cmd
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "user add: {}", common::text(&out));
}

fn token(w: &Workdir, user: &str) -> String {
    w.ok(&["user", "token", user, "--label", "tests"])
        .trim()
        .to_string()
}

/// Adds 1.00 to the `balance` of the first balance in a balance file: that day reports more
/// than its activity explains (a break), the next day opens from the wrong value (a break
/// again), the day after reconciles.
fn plant_break(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split('|').collect();
    let col = header.iter().position(|c| *c == "balance").unwrap();
    let key = header
        .iter()
        .position(|c| *c == "client_balance_id")
        .unwrap();
    let mut cells: Vec<String> = lines[1].split('|').map(str::to_string).collect();
    let v: rust_decimal::Decimal = cells[col].parse().unwrap();
    cells[col] = (v + rust_decimal::Decimal::ONE).to_string();
    let id = cells[key].clone();
    lines[1] = cells.join("|");
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
    id
}

/// A customer file with 5 bad `date_of_birth` cells and 2 bad `customer_type` cells.
fn rejected_customer_file(w: &Workdir) -> std::path::PathBuf {
    w.ok(&[
        "gen",
        "--type",
        "customer",
        "--rows",
        "30",
        "--date",
        "2026-03-20",
        "--seed",
        "9",
        "--out",
        "in",
    ]);
    let file = w.dir().join("in/2026-03-20_customer_v1.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split('|').collect();
    let dob = header.iter().position(|c| *c == "date_of_birth").unwrap();
    let kind = header.iter().position(|c| *c == "customer_type").unwrap();
    for (i, line) in lines.iter_mut().enumerate().skip(1).take(5) {
        let mut cells: Vec<String> = line.split('|').map(str::to_string).collect();
        cells[dob] = format!("13/{i}/1980");
        if i <= 2 {
            cells[kind] = "robot".into();
        }
        *line = cells.join("|");
    }
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    file
}

/// Partner `acme` with a generated 5-day deposit program, a break planted on day 2, every day
/// reconciled, and a rejected customer file; partner `other` with nothing. Returns the planted
/// balance's id.
fn program(w: &Workdir) -> String {
    w.ok(&[
        "gen",
        "--program",
        "deposit",
        "--days",
        &DAYS.to_string(),
        "--accounts",
        "12",
        "--start",
        START,
        "--out",
        "prog",
    ]);
    let dir = w.dir();
    let day2 = chrono::NaiveDate::parse_from_str(&day(2), "%Y-%m-%d")
        .unwrap()
        .succ_opt()
        .unwrap();
    let planted = plant_break(&dir.join(format!("prog/{day2}/{day2}_balance_v1.csv")));
    for i in 0..DAYS {
        let t = (chrono::NaiveDate::parse_from_str(START, "%Y-%m-%d").unwrap()
            + chrono::Duration::days(i))
        .to_string();
        let mut files: Vec<_> = std::fs::read_dir(dir.join("prog").join(&t))
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut args = vec!["ingest", "--partner", "acme"];
        args.extend(files.iter().map(String::as_str));
        let out = w.ok(&args);
        assert_eq!(out.matches(": accepted").count(), files.len(), "{out}");
    }
    for n in 1..=DAYS {
        let o = w.run(&["reconcile", "--date", &day(n)]);
        assert!(
            o.status.code().is_some_and(|c| c <= 1),
            "{}",
            common::text(&o)
        );
    }
    let bad = rejected_customer_file(w);
    let o = w.run(&["ingest", "--partner", "acme", bad.to_str().unwrap()]);
    assert!(
        common::text(&o).contains("rejected"),
        "{}",
        common::text(&o)
    );
    let keygen = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f", "other_key"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(keygen.success());
    w.ok(&["partner", "add", "other", "--key", "other_key.pub"]);
    user_add(dir, "ops", None);
    user_add(dir, "viewer", Some("other"));
    planted
}

/// With `BANKDROP_SCREENSHOTS=DIR`, saves the page as `DIR/<name>.png` (to look at the pages).
fn shot(b: &Driver, name: &str) {
    if let Some(dir) = std::env::var_os("BANKDROP_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        let png = b.screenshot_png().unwrap();
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

fn log_in(b: &Driver, base: &str, user: &str) {
    b.goto(&format!("{base}/files")).unwrap();
    // Not logged in: sent to the login page, which comes back here after.
    assert!(
        b.current_url().unwrap().contains("/login?next=/files"),
        "{}",
        b.current_url().unwrap()
    );
    b.find("input[name=user]").unwrap().send_keys(user).unwrap();
    b.find("input[name=password]")
        .unwrap()
        .send_keys(PASSWORD)
        .unwrap();
    b.find("#login button").unwrap().click().unwrap();
    b.wait_for("#files", common::WAIT).unwrap();
    assert_eq!(
        b.find("#user").unwrap().text().unwrap(),
        if user == "viewer" {
            "viewer (other)"
        } else {
            user
        }
    );
}

#[test]
fn operators_review_files_errors_and_breaks_in_a_real_browser() {
    if !web::browser_available("web_e2e") {
        return;
    }
    let w = Workdir::new(SERVE);
    let planted = program(&w);
    let s = Serving::start(w.dir(), "browser");
    let base = s.web.clone();
    let b = Driver::start().unwrap();

    // A wrong password is refused, and said so.
    b.goto(&format!("{base}/login")).unwrap();
    b.find("input[name=user]")
        .unwrap()
        .send_keys("ops")
        .unwrap();
    b.find("input[name=password]")
        .unwrap()
        .send_keys("wrong password")
        .unwrap();
    b.find("#login button").unwrap().click().unwrap();
    assert!(b
        .wait_for("#error", common::WAIT)
        .unwrap()
        .text()
        .unwrap()
        .contains("wrong password"));

    log_in(&b, &base, "ops");
    // 5 days × the program's files, and the rejected one.
    let all: u64 = b
        .find("#total")
        .unwrap()
        .text()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(all > 5, "{all}");
    // Filter to the rejected files with the form.
    b.execute(
        "document.querySelector('select[name=outcome]').value = 'rejected'",
        &[],
    )
    .unwrap();
    b.find("#filters button").unwrap().click().unwrap();
    // The old page has a files table too: wait for the new address, then for its table.
    let navigated = common::wait_until(common::WAIT, || {
        b.current_url()
            .is_ok_and(|u| u.contains("outcome=rejected"))
    });
    assert!(navigated, "{}", b.current_url().unwrap());
    b.wait_for("#files", common::WAIT).unwrap();
    shot(&b, "files-rejected");
    assert_eq!(b.find("#total").unwrap().text().unwrap(), "1 file(s)");
    let outcomes = b.find_all("#files td.outcome").unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].text().unwrap(), "rejected");
    // The rejected file: its errors by column, the column that breaks most first.
    b.find("#files a").unwrap().click().unwrap();
    b.wait_for("#by-column", common::WAIT).unwrap();
    assert_eq!(b.find("#outcome").unwrap().text().unwrap(), "rejected");
    shot(&b, "file");
    let by_column: Vec<String> = b
        .find_all("#by-column tr")
        .unwrap()
        .iter()
        .skip(1)
        .map(|r| r.text().unwrap())
        .collect();
    assert_eq!(
        by_column,
        vec!["date_of_birth 5", "customer_type 2"],
        "{by_column:?}"
    );
    // Narrow the errors to one column by following its link.
    b.find("#by-column a").unwrap().click().unwrap();
    b.wait_for("#error-filter", common::WAIT).unwrap();
    assert_eq!(b.find_all("#error-list tr").unwrap().len(), 1 + 5);
    let file_url = b.current_url().unwrap();
    let file_id: String = file_url
        .split("/files/")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();

    // Its errors.csv, downloaded (here with a token: a browser would save it to disk).
    let ops = token(&w, "ops");
    let csv = web::get(&format!("{base}/files/{file_id}/errors.csv"), Some(&ops));
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.body.lines().next(),
        Some("row|column|code|message|value")
    );
    assert_eq!(csv.body.lines().count(), 1 + 7, "{}", csv.body);

    // The reconciliation: the chart, then day 2's break, new.
    b.goto(&format!("{base}/recon?partner=acme&to={}", day(5)))
        .unwrap();
    assert_eq!(b.find_all("svg.chart rect").unwrap().len(), 30);
    shot(&b, "recon-days");
    let bar = b
        .find(&format!("svg.chart rect[data-date='{}']", day(2)))
        .unwrap();
    assert_eq!(bar.attr("data-breaks").unwrap().as_deref(), Some("1"));
    b.find(&format!("a[href='/recon/acme/{}']", day(2)))
        .unwrap()
        .click()
        .unwrap();
    let row = b
        .wait_for(
            &format!("tr.break[data-balance='{planted}'][data-component=balance]"),
            common::WAIT,
        )
        .unwrap();
    assert!(
        row.text().unwrap().contains("new"),
        "{}",
        row.text().unwrap()
    );
    // Day 3: persisting since day 2; acknowledged with a note from the page.
    b.goto(&format!("{base}/recon/acme/{}", day(3))).unwrap();
    let lifecycle = b.find("tr.break td.lifecycle").unwrap().text().unwrap();
    assert_eq!(lifecycle, format!("persisting since {}", day(2)));
    b.find("form.ack input[name=note]")
        .unwrap()
        .send_keys("partner restating the balance")
        .unwrap();
    b.find("form.ack button").unwrap().click().unwrap();
    let ack = b.wait_for("div.ack", common::WAIT).unwrap().text().unwrap();
    assert!(
        ack.starts_with("ops ") && ack.ends_with(": partner restating the balance"),
        "{ack}"
    );
    shot(&b, "recon-day");

    // Log out; a user limited to `other` sees nothing of acme's.
    b.find("nav button").unwrap().click().unwrap();
    b.wait_for("#login", common::WAIT).unwrap();
    log_in(&b, &base, "viewer");
    assert_eq!(b.find("#total").unwrap().text().unwrap(), "0 file(s)");
    b.goto(&format!("{base}/files/{file_id}")).unwrap();
    assert!(b
        .find("#error")
        .unwrap()
        .text()
        .unwrap()
        .contains("not found"));
    b.goto(&format!("{base}/files?partner=acme")).unwrap();
    assert!(b
        .find("#error")
        .unwrap()
        .text()
        .unwrap()
        .contains("not found"));
    b.goto(&format!("{base}/recon/acme/{}", day(2))).unwrap();
    assert!(b
        .find("#error")
        .unwrap()
        .text()
        .unwrap()
        .contains("not found"));
    b.goto(&format!("{base}/files/{file_id}/download")).unwrap();
    assert!(b.page_source().unwrap().contains("not found"));
    b.goto(&format!("{base}/partners")).unwrap();
    let partners: Vec<String> = b
        .find_all("#partners tr td:first-child")
        .unwrap()
        .iter()
        .map(|t| t.text().unwrap())
        .collect();
    assert_eq!(partners, vec!["other"]);

    // The same by API, with the viewer's token.
    let t = token(&w, "viewer");
    assert_eq!(
        web::get(&format!("{base}/api/files/{file_id}"), Some(&t)).status,
        404
    );
    assert_eq!(
        web::get(&format!("{base}/api/files/{file_id}/errors"), Some(&t)).status,
        404
    );
    assert_eq!(
        web::get(&format!("{base}/api/files?partner=acme"), Some(&t)).status,
        404
    );
    assert_eq!(
        web::get(&format!("{base}/api/files"), Some(&t)).json()["total"],
        0
    );
    assert_eq!(
        web::get(&format!("{base}/api/recon/acme/{}", day(2)), Some(&t)).status,
        404
    );
    let days = web::get(
        &format!("{base}/api/recon?from={}&to={}", day(1), day(5)),
        Some(&t),
    )
    .json();
    assert_eq!(days, serde_json::json!([]));
    // No page or API answers without a login.
    for path in ["/api/files", "/api/partners", "/api/openapi.json"] {
        assert_eq!(
            web::get(&format!("{base}{path}"), None).status,
            401,
            "{path}"
        );
    }
    assert_eq!(web::get(&format!("{base}/files"), None).status, 303);
    drop(b);
    s.stop();
    // Logins, the failed one and the download are in the audit log.
    let audit = w.ok(&["user", "audit"]);
    let download = format!("\tops\tdownload\terrors of file {file_id}");
    for line in [
        "\tops\tlogin_failed\t",
        "\tops\tlogin\t",
        "\tviewer\tlogin\t",
        &download,
    ] {
        assert!(audit.contains(line), "{line:?} not in\n{audit}");
    }
}

#[test]
fn a_planted_break_is_new_then_persisting_then_resolved_and_its_acknowledgement_survives_a_restart()
{
    let w = Workdir::new(SERVE);
    let planted = program(&w);
    let s = Serving::start(w.dir(), "first");
    let t = token(&w, "ops");
    let api =
        |base: &str, d: &str| web::get(&format!("{base}/api/recon/acme/{d}"), Some(&t)).json();
    let ours = |doc: &serde_json::Value| -> Vec<serde_json::Value> {
        doc["breaks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["balance_id"] == planted.as_str())
            .cloned()
            .collect()
    };
    // Day 1: no break on it. Day 2: new, 1.00 more reported than expected.
    assert!(ours(&api(&s.web, &day(1))).is_empty());
    let d2 = ours(&api(&s.web, &day(2)));
    assert_eq!(d2.len(), 1, "{d2:?}");
    assert_eq!(d2[0]["component"], "balance");
    assert_eq!(d2[0]["lifecycle"], "new");
    assert_eq!(d2[0]["since"], day(2));
    assert_eq!(d2[0]["difference"], "1.00");
    // Day 3: it opens from the wrong value: persisting, since day 2.
    let d3 = ours(&api(&s.web, &day(3)));
    assert_eq!(d3.len(), 1, "{d3:?}");
    assert_eq!(d3[0]["lifecycle"], "persisting");
    assert_eq!(d3[0]["since"], day(2));
    assert_eq!(d3[0]["difference"], "-1.00");
    // Day 4 reconciles: resolved, no break on the balance.
    let d4 = api(&s.web, &day(4));
    assert!(ours(&d4).is_empty());
    let resolved = d4["resolved"].as_array().unwrap();
    assert!(
        resolved.iter().any(|r| r["balance_id"] == planted.as_str()
            && r["since"] == day(2)
            && r["last_seen"] == day(3)),
        "{d4}"
    );
    // Acknowledged on day 3 through the API; a note is required.
    let url = format!("{}/api/recon/acme/{}/acks", s.web, day(3));
    let empty = serde_json::json!({"balance_id": planted, "component": "balance", "note": " "});
    assert_eq!(web::post_json(&url, &t, &empty).status, 400);
    let ack = serde_json::json!({"balance_id": planted, "component": "balance", "note": "restated on day 4"});
    let after = web::post_json(&url, &t, &ack);
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(
        ours(&after.json())[0]["acks"][0]["note"],
        "restated on day 4"
    );
    s.stop();

    // After a restart the acknowledgement is there, on every day of the break.
    let s = Serving::start(w.dir(), "second");
    for d in [day(2), day(3)] {
        let b = ours(&api(&s.web, &d));
        let acks = b[0]["acks"].as_array().unwrap();
        assert_eq!(acks.len(), 1, "{d}: {acks:?}");
        assert_eq!(acks[0]["user"], "ops");
        assert_eq!(acks[0]["note"], "restated on day 4");
    }
    // A form posted with a session cookie but without the session's form token is refused
    // (403) and changes nothing; the page's own form token is accepted.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let login = agent
        .post(&format!("{}/login", s.web))
        .send_form(&[("user", "ops"), ("password", PASSWORD), ("next", "/files")])
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let ack_url = format!("{}/recon/acme/{}/ack", s.web, day(3));
    let forged = agent.post(&ack_url).set("Cookie", &cookie).send_form(&[
        ("csrf", "not-the-token"),
        ("balance_id", &planted),
        ("component", "balance"),
        ("note", "forged"),
    ]);
    assert!(
        matches!(forged, Err(ureq::Error::Status(403, _))),
        "{forged:?}"
    );
    let page = agent
        .get(&format!("{}/recon/acme/{}", s.web, day(3)))
        .set("Cookie", &cookie)
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let posted = agent
        .post(&ack_url)
        .set("Cookie", &cookie)
        .send_form(&[
            ("csrf", token),
            ("balance_id", &planted),
            ("component", "balance"),
            ("note", "from the form"),
        ])
        .unwrap();
    assert_eq!(posted.status(), 303);
    let notes: Vec<String> = ours(&api(&s.web, &day(3)))[0]["acks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["note"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(notes, ["restated on day 4", "from the form"]);

    // The API's document is served to a logged-in client, and valid JSON.
    let doc = web::get(&format!("{}/api/openapi.json", s.web), Some(&t)).json();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/api/recon/{partner}/{date}/acks"]["post"].is_object());
    s.stop();
}

#[test]
fn the_partners_page_shows_allowed_addresses_and_go_live_readiness() {
    // spec 01 §2.3 (allow-list), §13 (seven days of successful tests), through the API the
    // page renders from.
    let w = Workdir::new(SERVE);
    w.ok(&["partner", "allow", "acme", "127.0.0.1", "10.0.0.0/8"]);
    w.ok(&[
        "gen",
        "--program",
        "deposit",
        "--days",
        "8",
        "--accounts",
        "2",
        "--start",
        START,
        "--out",
        "prog",
    ]);
    let mut args = vec!["ingest".to_string(), "--partner".into(), "acme".into()];
    for d in 0..8 {
        for e in std::fs::read_dir(w.dir().join("prog").join(day(2 + d))).unwrap() {
            args.push(e.unwrap().path().display().to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    w.ok(&args);
    user_add(w.dir(), "ops", None);
    let t = token(&w, "ops");
    let s = Serving::start(w.dir(), "partners");
    let list = web::get(&format!("{}/api/partners", s.web), Some(&t)).json();
    assert_eq!(
        list[0]["allow_from"],
        serde_json::json!(["127.0.0.1/32", "10.0.0.0/8"])
    );
    assert!(list[0]["go_live"].is_null(), "no Day 0 yet: {list}");
    // Keys as `ssh-keygen -lf` lists them, as `bankdrop partner key list` does.
    let key = list[0]["keys"][0].as_str().unwrap();
    assert!(
        key.starts_with("256 SHA256:") && key.ends_with("(ED25519)"),
        "{key}"
    );
    w.ok(&[
        "partner",
        "schedule",
        "acme",
        "--day0",
        START,
        "--types",
        "balance,transaction,non_posted_transaction",
    ]);
    let list = web::get(&format!("{}/api/partners", s.web), Some(&t)).json();
    let g = &list[0]["go_live"];
    assert_eq!(g["day0"], START, "{list}");
    assert_eq!(g["ready"], true, "{list}");
    assert_eq!(g["summary"][0], "ready: day 0 to day 6", "{list}");
    s.stop();
}
