//! Loopback ports for servers a test starts as child processes (or configures into another
//! program, e.g. nginx's upstreams) before they bind.
//!
//! A port the kernel hands out for `bind(…:0)` and then released is an *ephemeral* port:
//! until the server binds it, any outgoing connection on the machine (nginx to an
//! upstream, a client to PostgreSQL) may take it as its local port, and the server then
//! fails with "Address already in use". [`free_port`] therefore picks ports below the
//! kernel's ephemeral range, which outgoing connections never use, from a counter per
//! process (no two tests of one test binary get the same port; cargo runs test binaries
//! one at a time), skipping any port something listens on.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};

/// Lowest port handed out.
const FIRST: u32 = 20_000;

/// The lowest ephemeral port (`/proc/sys/net/ipv4/ip_local_port_range`), 32768 when it
/// cannot be read.
fn ephemeral_floor() -> u32 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

/// A loopback TCP port nothing listens on now and no outgoing connection will take.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let top = ephemeral_floor().max(FIRST + 1_000);
    let span = top - FIRST;
    // Each test binary starts elsewhere in the range (ports of the previous one may still
    // be in TIME_WAIT, harmless with SO_REUSEADDR, but there is no need to meet them).
    let start = std::process::id().wrapping_mul(7_919) % span;
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(FIRST + (start + n) % span).expect("port below 65536");
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between {FIRST} and {top}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_below_the_ephemeral_range_and_bindable() {
        let ports: Vec<u16> = (0..50).map(|_| free_port()).collect();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ports.len());
        for p in ports {
            assert!(u32::from(p) >= FIRST && u32::from(p) < ephemeral_floor().max(FIRST + 1_000));
        }
        let held = TcpListener::bind(("127.0.0.1", free_port())).expect("bind");
        assert_ne!(held.local_addr().expect("addr").port(), free_port());
    }
}
