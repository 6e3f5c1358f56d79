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
        // issue 3: every new command, option and keyword
        "switch set",
        "max-flows",
        "port-max-flows",
        "limit-action",
        "uncached",
        "drop",
        "timeout",
        "tcp-syn",
        "tcp-est",
        "tcp-fin",
        "udp",
        "icmp",
        "other",
        "port set",
        "layers",
        "none",
        "rule add",
        "rule change",
        "rule del",
        "rule show",
        "prio",
        "action",
        "allow",
        "deny",
        "count",
        "any",
        "layer add",
        "layer set",
        "layer del",
        "layer show",
        "layer bind",
        "layer unbind",
        "out-default",
        "in-default",
        "IDLIST",
        "10,12,100-199",
        "flow show",
        "flow flush",
        "explain port",
        "-b",
        "-batch",
        "--batch",
        "-force",
        "--force",
        "BATCH MODE",
        "Command failed FILE:LINE",
        "CONDITIONS",
        "in-port",
        "out-port",
        "in-port-id",
        "out-port-id",
        "src-mac",
        "dst-mac",
        "ethertype",
        "ipv4",
        "ipv6",
        "arp",
        "vlan",
        "src-ip",
        "dst-ip",
        "proto",
        "icmpv6",
        "sctp",
        "src-port",
        "dst-port",
        "icmp-type",
        "icmp-code",
        "dscp",
        "tos",
        "tcp-flags",
        "+syn-ack",
        "fin",
        "syn",
        "rst",
        "psh",
        "ack",
        "urg",
        "ece",
        "cwr",
        "ns",
        "[2001:db8::1]:80",
        "type",
        "code",
        "8191",
        "16384",
        "each chunk is published atomically",
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
        // issue 3 text output (as output.rs prints it; see its tests)
        "switch sw0 ports 2 flows 10 rules 5 layers 2 generation 7",
        "max-flows 65536 port-max-flows 16384 limit-action uncached timeout tcp-syn 30 timeout tcp-est 7200",
        "port vm1 switch sw0 id 0 type vm ifindex 5 layers acl,web max-flows 100 flows 3",
        "layer sw0 acl out-default deny in-default allow out-rules 10 in-rules 3 ports 2",
        "rule sw0 id 10 prio 100 in-port vm1 proto tcp dst-port 80 tcp-flags +syn-ack action allow count matches 3 packets 10 bytes 1000 refs 2",
        "rule sw0 id 11 any action deny layer acl out",
        "in vm1 out vm2 tcp 10.0.0.1:1234 -> 10.0.0.2:80 allow layer acl rule 10 packets 5 bytes 420 age 3.2s idle 0.1s state established",
        "state established reply",
        "ethertype arp vlan 5 deny layer base default",
        "port vm1 out layer acl rule 10 allow",
        "port vm2 in layer web default deny",
        "verdict deny",
        "verdict allow out-port vm1",
        "flow-hit 9 pkts  flow-miss 3 pkts  flow-install 4  flow-limit 1 pkts  policy-drop 2 pkts  parse-error 6 pkts  revalidate 7",
        "port-id",
        // issue 3 JSON keys
        "max_flows",
        "port_max_flows",
        "limit_action",
        "tcp_syn_timeout",
        "other_timeout",
        "n_flows",
        "n_rules",
        "n_layers",
        "generation",
        "out_default",
        "n_out_rules",
        "n_in_rules",
        "priority",
        "in_port_dev",
        "src_mac_mask",
        "src_plen",
        "src_port_min",
        "dst_port_max",
        "tos_mask",
        "tcp_flags_mask",
        "in_dev",
        "out_dev",
        "rule_id",
        "age_ms",
        "idle_ms",
        "tcp_state",
        "\"reply\"",
        "steps",
        "flow_hit_packets",
        "flow_miss_packets",
        "flow_install",
        "flow_limit_packets",
        "policy_drop_packets",
        "parse_error_packets",
        "revalidate",
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

#[test]
fn man_page_documents_every_top_level_grammar_line() {
    // Each line of the top-level help grammar (src/main.rs GRAMMAR) names a
    // command form; its first two words must have a section here.
    let m = plain(&man());
    for form in [
        "switch add",
        "switch set",
        "switch del",
        "switch show",
        "port add",
        "port set",
        "port del",
        "port show",
        "fdb show",
        "rule add",
        "rule change",
        "rule del",
        "rule show",
        "layer add",
        "layer set",
        "layer del",
        "layer show",
        "layer bind",
        "layer unbind",
        "flow show",
        "flow flush",
        "explain port",
    ] {
        assert!(
            m.contains(&format!(".SS {form}")),
            "vflowctl.8 has no section for {form:?}"
        );
    }
}
