//! The throwaway server starts, serves two databases apart, takes a COPY, and is gone once
//! dropped.

#[test]
fn a_throwaway_server_serves_databases_and_is_gone_when_dropped() {
    let Some(server) = pgtest::require("pgtest server") else {
        return;
    };
    let a = server.create_database("a").unwrap();
    let b = server.create_database("b").unwrap();
    let mut ca = postgres::Client::connect(&a, postgres::NoTls).unwrap();
    ca.batch_execute("CREATE TABLE t (id text PRIMARY KEY, amount bigint NOT NULL)")
        .unwrap();
    {
        let mut w = ca.copy_in("COPY t (id, amount) FROM STDIN").unwrap();
        std::io::Write::write_all(&mut w, b"x\t1250000000\ny\t-1\n").unwrap();
        assert_eq!(w.finish().unwrap(), 2);
    }
    let sum: i64 = ca
        .query_one("SELECT sum(amount)::bigint FROM t", &[])
        .unwrap()
        .get(0);
    assert_eq!(sum, 1_249_999_999);
    // The other database does not see it.
    let mut cb = postgres::Client::connect(&b, postgres::NoTls).unwrap();
    let missing = cb.query("SELECT 1 FROM t", &[]);
    assert!(missing.is_err(), "database b sees a's table");
    let dir = server.dir().to_path_buf();
    let port = server.port();
    drop((ca, cb));
    drop(server);
    assert!(!dir.exists(), "the cluster's files are removed");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server still listens"
    );
}
