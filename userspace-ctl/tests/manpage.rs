//! Keeps vflowctl.8 in step with the code: every command form, JSON key and
//! message the tool prints must be documented there.

fn man() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/vflowctl.8")).unwrap()
}

/// roff escapes "-" as "\-"; undo that for matching.
fn plain(s: &str) -> String {
    s.replace("\\-", "-")
        .replace("\\(dq", "\"")
        .replace("\\e", "\\")
}

#[test]
fn man_page_documents_the_grammar() {
    let m = plain(&man());
    for s in [
        "vflowctl",
        "--json",
        "--pretty",
        "--stats",
        "--version",
        "switch add",
        "switch del",
        "switch show",
        "delete",
        "list",
        "port add",
        "port del",
        "port show",
        "fdb show",
        "dev",
        "type",
        "vm",
        "uplink",
        "mac",
        "XX:XX:XX:XX:XX:XX",
        "help",
    ] {
        assert!(m.contains(s), "vflowctl.8 lacks {s:?}");
    }
}

#[test]
fn man_page_documents_output_and_errors() {
    let m = plain(&man());
    for s in [
        // text output
        "switch sw0 ports 2",
        "port veth0 switch sw0 id 0 type vm mac 02:00:00:00:00:01 ifindex 5",
        "fdb sw0 02:00:00:00:00:01 dev veth0 static",
        "rx 12 pkts 1008 bytes  tx 3 pkts 252 bytes  drop 1 pkts 60 bytes  pass 4 pkts  flood 5 pkts",
        // JSON keys
        "n_ports",
        "ifindex",
        "ifname",
        "\"type\"",
        "\"static\"",
        "rx_packets",
        "rx_bytes",
        "tx_packets",
        "tx_bytes",
        "drop_packets",
        "drop_bytes",
        "pass_packets",
        "flood_packets",
        // errors, exit status
        "Error: vflow module not loaded (generic netlink family \"vflow\" not found)",
        "Error: Operation not permitted",
        "EXIT STATUS",
    ] {
        assert!(m.contains(s), "vflowctl.8 lacks {s:?}");
    }
}

#[test]
fn man_page_version_matches_crate() {
    let m = man();
    let th = m.lines().find(|l| l.starts_with(".TH ")).expect(".TH line");
    assert!(
        th.contains(&format!("vflowctl {}", env!("CARGO_PKG_VERSION"))),
        "{th}"
    );
}
