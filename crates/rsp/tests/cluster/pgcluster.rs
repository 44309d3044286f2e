//! A private PostgreSQL cluster for the fault campaign (the machine's shared server is never
//! restarted): Debian's PostgreSQL binaries, `initdb` into a temporary directory, a free
//! loopback port, trust authentication. As root, the cluster runs as the `postgres` user
//! (PostgreSQL refuses to run as root) through `runuser`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::free_port;

pub struct PgCluster {
    bin: PathBuf,
    data: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

/// The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or `RSP_PG_BIN`.
pub fn find_pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("RSP_PG_BIN") {
        return Some(dir.into());
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

impl PgCluster {
    /// initdb + start in `dir/pg` (fails the test when that does not work).
    pub fn create(bin: &Path, dir: &Path) -> PgCluster {
        let as_postgres = is_root();
        let data = dir.join("pg");
        std::fs::create_dir_all(&data).unwrap();
        if as_postgres {
            // The data directory belongs to `postgres`, and it must reach it.
            let _ = Command::new("chmod").arg("755").arg(dir).status();
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(&data)
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown postgres {}", data.display());
        }
        let c = PgCluster {
            bin: bin.to_owned(),
            data,
            port: free_port(),
            as_postgres,
        };
        let mut initdb = c.command("initdb");
        initdb.arg("-D").arg(&c.data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        let out = initdb.output().unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        c.start();
        c
    }

    fn command(&self, tool: &str) -> Command {
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(tool));
            c
        } else {
            Command::new(self.bin.join(tool))
        }
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.data.display()
        );
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(self.data.join("server.log"))
            .args(["-o", &opts, "-w", "-t", "30", "start"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stdout),
            std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default()
        );
    }

    /// Stops the server; `immediate` is a crash (no checkpoint, recovery at the next start).
    pub fn stop(&self, immediate: bool) {
        let mode = if immediate { "immediate" } else { "fast" };
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", mode, "-w", "stop"])
            .output();
    }

    /// `psql -At -c sql` on database `db`: the output lines.
    pub fn psql(&self, db: &str, sql: &str) -> Vec<String> {
        let out = Command::new("psql")
            .args([&self.url(db), "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop(true);
    }
}
