//! A real PostgreSQL server: started, databases created and queried with `psql`, stopped and
//! started again on the same port, its directory removed on drop.

use std::io;

use postgres_test_server::PgServer;

#[test]
fn starts_creates_databases_restarts_on_the_same_port_and_is_removed_on_drop() -> io::Result<()> {
    let server = PgServer::start()?;
    let port = server.port();
    let dir = server.dir().to_path_buf();
    assert!(dir.join("data").join("PG_VERSION").is_file());
    assert_eq!(
        server.url(),
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    );
    assert_eq!(server.psql("postgres", "SELECT 1")?, "1");

    let first = server.create_database("first")?;
    let second = server.create_database("second_db")?;
    assert_eq!(first, format!("postgres://postgres@127.0.0.1:{port}/first"));
    assert_eq!(
        second,
        format!("postgres://postgres@127.0.0.1:{port}/second_db")
    );
    assert_eq!(server.psql("first", "SELECT 1")?, "1");
    assert_eq!(server.psql("second_db", "SELECT 1")?, "1");
    assert!(
        server.create_database("first").is_err(),
        "a database that exists"
    );
    assert_eq!(
        server
            .create_database("bad name")
            .map_err(|e| e.kind())
            .err(),
        Some(io::ErrorKind::InvalidInput)
    );
    server.psql(
        "first",
        // `synchronous_commit` is off on the server: without this, the last commits can be lost
        // by an immediate stop.
        "SET synchronous_commit = on; CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)",
    )?;

    server.stop()?;
    assert!(
        server.psql("first", "SELECT 1").is_err(),
        "still answering after stop"
    );
    server.start_again()?;
    assert_eq!(server.port(), port);
    assert_eq!(
        server.psql("first", "SELECT v FROM kept")?,
        "42",
        "data committed synchronously survive an immediate stop"
    );
    assert_eq!(server.psql("second_db", "SELECT 1")?, "1");

    drop(server);
    assert!(!dir.exists(), "{} is still there after drop", dir.display());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "still listening on {port} after drop"
    );
    Ok(())
}

#[test]
fn two_servers_run_side_by_side() -> io::Result<()> {
    let a = PgServer::start()?;
    let b = PgServer::start()?;
    assert_ne!(a.port(), b.port());
    assert_ne!(a.dir(), b.dir());
    a.create_database("only_in_a")?;
    let listed = |s: &PgServer| {
        s.psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname = 'only_in_a'",
        )
    };
    assert_eq!(listed(&a)?, "1");
    assert_eq!(listed(&b)?, "0");
    Ok(())
}

#[test]
fn starting_again_on_a_taken_port_fails_with_the_end_of_the_log() -> io::Result<()> {
    let server = PgServer::start()?;
    server.stop()?;
    let taken = std::net::TcpListener::bind(("127.0.0.1", server.port()))?;
    let e = server
        .start_again()
        .expect_err("started on a port another process listens on");
    assert_eq!(e.kind(), io::ErrorKind::AddrInUse, "{e}");
    assert!(e.to_string().contains("Address already in use"), "{e}");
    drop(taken);
    server.start_again()?;
    assert_eq!(server.psql("postgres", "SELECT 1")?, "1");
    Ok(())
}
