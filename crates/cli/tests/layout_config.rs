//! Decision D6: the SFTP folder layout is configuration (`[sftp.layout]`), read by `serve` and
//! checked against the folders the pipeline processes.

mod common;

use bankdrop_sftp::{Access, FolderRule, Layout};
use common::workdir::Workdir;

/// `layout` as the `[sftp.layout]` section of a configuration.
fn section(layout: &Layout) -> String {
    let mut t = toml::Table::new();
    t.insert(
        "layout".into(),
        toml::Value::try_from(layout).expect("a layout is TOML"),
    );
    let mut sftp = toml::Table::new();
    sftp.insert("sftp".into(), toml::Value::Table(t));
    toml::to_string(&sftp).expect("TOML")
}

#[test]
fn a_configured_folder_is_created_with_its_access_rule_and_served() {
    let mut layout = Layout::default_d6();
    layout.folders.push(FolderRule {
        path: "statements".into(),
        access: Access::ReadOnly,
        inbox: false,
        subdirs: false,
    });
    let w = Workdir::new(&format!(
        "{}\n[sftp]\nlisten = \"127.0.0.1:0\"\n[web]\nenabled = false\n[metrics]\nenabled = false\n[recon]\nenabled = false\n",
        section(&layout)
    ));
    let s = common::web::Serving::start(w.dir(), "sftp");
    assert!(w.root().join("statements").is_dir());
    let local = w.dir().join("hello.csv");
    std::fs::write(&local, "x\n").unwrap();
    let key = w.dir().join("acme_key");
    let refused = common::sftp(
        s.sftp_port,
        "acme",
        &key,
        &format!("put {} statements/hello.csv\n", local.display()),
    );
    assert!(!refused.status.success(), "{}", common::text(&refused));
    assert!(!w.root().join("statements/hello.csv").exists());
    let listed = common::sftp(s.sftp_port, "acme", &key, "ls statements\n");
    assert!(listed.status.success(), "{}", common::text(&listed));
    s.stop();
}

#[test]
fn a_layout_without_an_inbox_the_pipeline_processes_is_refused() {
    let mut layout = Layout::default_d6();
    layout.folders.retain(|f| f.path != "card");
    let w = Workdir::new(&section(&layout));
    let file = w.dir().join("2026-01-27_customer_v1.csv");
    std::fs::copy(
        common::fixtures().join("valid/2026-01-27_customer_v1.csv"),
        &file,
    )
    .unwrap();
    let o = w.run(&["ingest", "--partner", "acme", file.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        common::text(&o).contains("`card` must be an inbox folder"),
        "{}",
        common::text(&o)
    );
}
