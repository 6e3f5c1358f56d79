//! Text and JSON rendering of vflow objects. Pure: returns strings.

use std::fmt::Write as _;

use serde::Serialize;

use crate::codec::{Fdb, Layer, Port, Stats, Switch, TIMEOUT_CLASSES};
use crate::flow::{Explain, Flow};
use crate::rule::Rule;

/// Output options from the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opts {
    /// `-j`: a JSON array instead of text lines.
    pub json: bool,
    /// `-p`: indent the JSON (no effect without `-j`).
    pub pretty: bool,
    /// `-s`: show counters.
    pub stats: bool,
}

fn to_json<T: Serialize>(items: &[T], o: Opts) -> String {
    let mut s = if o.pretty {
        serde_json::to_string_pretty(items)
    } else {
        serde_json::to_string(items)
    }
    .expect("plain data always serializes");
    s.push('\n');
    s
}

/// The counters line printed under an object with `-s`.
pub fn stats_line(s: &Stats) -> String {
    format!(
        "    rx {} pkts {} bytes  tx {} pkts {} bytes  drop {} pkts {} bytes  pass {} pkts  flood {} pkts",
        s.rx_packets,
        s.rx_bytes,
        s.tx_packets,
        s.tx_bytes,
        s.drop_packets,
        s.drop_bytes,
        s.pass_packets,
        s.flood_packets
    )
}

/// The second counters line: flow cache and policy counters.
pub fn flow_stats_line(s: &Stats) -> String {
    format!(
        "    flow-hit {} pkts  flow-miss {} pkts  flow-install {}  flow-limit {} pkts  \
         policy-drop {} pkts  parse-error {} pkts  revalidate {}",
        s.flow_hit_packets,
        s.flow_miss_packets,
        s.flow_install,
        s.flow_limit_packets,
        s.policy_drop_packets,
        s.parse_error_packets,
        s.revalidate
    )
}

fn push_stats(out: &mut String, stats: &Option<Stats>, o: Opts) {
    if let (true, Some(s)) = (o.stats, stats) {
        out.push_str(&stats_line(s));
        out.push('\n');
        out.push_str(&flow_stats_line(s));
        out.push('\n');
    }
}

fn json_values(items: Vec<serde_json::Value>, o: Opts) -> String {
    to_json(&items, o)
}

/// `switch show`.
pub fn switches(list: &[Switch], o: Opts) -> String {
    if o.json {
        let v: Vec<Switch> = list
            .iter()
            .map(|s| Switch {
                stats: if o.stats { s.stats } else { None },
                ..s.clone()
            })
            .collect();
        return to_json(&v, o);
    }
    let mut out = String::new();
    for s in list {
        let _ = write!(out, "switch {} ports {}", s.name, s.n_ports);
        for (k, v) in [
            ("flows", s.n_flows),
            ("rules", s.n_rules),
            ("layers", s.n_layers),
            ("generation", s.generation),
        ] {
            if let Some(v) = v {
                let _ = write!(out, " {k} {v}");
            }
        }
        out.push('\n');
        if !s.config.is_empty() {
            // The configuration in the grammar of `switch set`.
            out.push_str("   ");
            let c = &s.config;
            if let Some(n) = c.max_flows {
                let _ = write!(out, " max-flows {n}");
            }
            if let Some(n) = c.port_max_flows {
                let _ = write!(out, " port-max-flows {n}");
            }
            if let Some(a) = c.limit_action {
                let _ = write!(out, " limit-action {a}");
            }
            for (class, t) in TIMEOUT_CLASSES.iter().zip(c.timeouts()) {
                if let Some(t) = t {
                    let _ = write!(out, " timeout {class} {t}");
                }
            }
            out.push('\n');
        }
        push_stats(&mut out, &s.stats, o);
    }
    out
}

/// How a port is named in text output: its ifname, else `if<ifindex>`.
fn port_name(p: &Port) -> String {
    p.ifname
        .clone()
        .unwrap_or_else(|| format!("if{}", p.ifindex))
}

/// `port show`.
pub fn ports(list: &[Port], o: Opts) -> String {
    if o.json {
        let v: Vec<Port> = list
            .iter()
            .map(|p| Port {
                stats: if o.stats { p.stats } else { None },
                ..p.clone()
            })
            .collect();
        return to_json(&v, o);
    }
    let mut out = String::new();
    for p in list {
        let _ = write!(out, "port {} switch {}", port_name(p), p.switch);
        if let Some(id) = p.id {
            let _ = write!(out, " id {id}");
        }
        let _ = write!(out, " type {}", p.port_type);
        if let Some(m) = p.mac {
            let _ = write!(out, " mac {m}");
        }
        let _ = write!(out, " ifindex {}", p.ifindex);
        if let Some(l) = p.layers.as_ref().filter(|l| !l.is_empty()) {
            let _ = write!(out, " layers {}", l.join(","));
        }
        if let Some(n) = p.max_flows.filter(|n| *n != 0) {
            let _ = write!(out, " max-flows {n}");
        }
        if let Some(n) = p.n_flows {
            let _ = write!(out, " flows {n}");
        }
        out.push('\n');
        push_stats(&mut out, &p.stats, o);
    }
    out
}

/// `fdb show`.
pub fn fdbs(list: &[Fdb], o: Opts) -> String {
    if o.json {
        return to_json(list, o);
    }
    let mut out = String::new();
    for f in list {
        let _ = write!(out, "fdb {} {}", f.switch, f.mac);
        match &f.ifname {
            Some(n) => {
                let _ = write!(out, " dev {n}");
            }
            None => {
                let _ = write!(out, " ifindex {}", f.ifindex);
            }
        }
        if f.is_static {
            out.push_str(" static");
        }
        out.push('\n');
    }
    out
}

/// `layer show`.
pub fn layers(list: &[Layer], o: Opts) -> String {
    if o.json {
        return to_json(list, o);
    }
    let mut out = String::new();
    for l in list {
        let _ = write!(out, "layer {} {}", l.switch, l.name);
        if let Some(v) = l.out_default {
            let _ = write!(out, " out-default {v}");
        }
        if let Some(v) = l.in_default {
            let _ = write!(out, " in-default {v}");
        }
        for (k, v) in [
            ("out-rules", l.n_out_rules),
            ("in-rules", l.n_in_rules),
            ("ports", l.n_ports),
        ] {
            if let Some(v) = v {
                let _ = write!(out, " {k} {v}");
            }
        }
        out.push('\n');
    }
    out
}

/// `rule show`: `rule SWITCH id N prio P CONDITIONS action ... matches M
/// packets P bytes B refs R [layer L DIR]`. Everything from `id` to the
/// actions is `rule add` grammar.
pub fn rules(list: &[Rule], o: Opts) -> String {
    if o.json {
        return json_values(list.iter().map(Rule::to_json).collect(), o);
    }
    let mut out = String::new();
    for r in list {
        let _ = write!(out, "rule {} id {}", r.switch, r.id);
        if let Some(p) = r.priority {
            let _ = write!(out, " prio {p}");
        }
        let _ = write!(out, " {} {}", r.matches_, r.actions_text());
        for (k, v) in [
            ("matches", r.n_matches),
            ("packets", r.packets),
            ("bytes", r.bytes),
        ] {
            if let Some(v) = v {
                let _ = write!(out, " {k} {v}");
            }
        }
        if let Some(n) = r.refs {
            let _ = write!(out, " refs {n}");
        }
        if let Some(l) = &r.layer {
            let _ = write!(out, " layer {l}");
            if let Some(d) = r.direction {
                let _ = write!(out, " {d}");
            }
        }
        out.push('\n');
    }
    out
}

/// `flow show`: one line per flow.
pub fn flows(list: &[Flow], o: Opts) -> String {
    if o.json {
        return json_values(list.iter().map(Flow::to_json).collect(), o);
    }
    let mut out = String::new();
    for f in list {
        out.push_str(&f.text());
        out.push('\n');
    }
    out
}

/// `explain`: the steps and the verdict; with -j an array of one object.
pub fn explain(e: &Explain, o: Opts) -> String {
    if o.json {
        return json_values(vec![e.to_json()], o);
    }
    e.text()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Mac, PortType};

    fn stats() -> Stats {
        Stats {
            rx_packets: 12,
            rx_bytes: 1008,
            tx_packets: 3,
            tx_bytes: 252,
            drop_packets: 1,
            drop_bytes: 60,
            pass_packets: 4,
            flood_packets: 5,
            flow_hit_packets: 9,
            flow_miss_packets: 3,
            flow_install: 4,
            flow_limit_packets: 1,
            policy_drop_packets: 2,
            parse_error_packets: 6,
            revalidate: 7,
        }
    }

    fn sw() -> Vec<Switch> {
        vec![
            Switch {
                name: "sw0".into(),
                n_ports: 2,
                stats: Some(stats()),
                ..Default::default()
            },
            Switch {
                name: "sw1".into(),
                n_ports: 0,
                stats: Some(Stats::default()),
                ..Default::default()
            },
        ]
    }

    fn ports_fixture() -> Vec<Port> {
        vec![
            Port {
                switch: "sw0".into(),
                ifindex: 5,
                ifname: Some("veth0".into()),
                port_type: PortType::Vm,
                mac: Some(Mac([2, 0, 0, 0, 0, 1])),
                id: Some(0),
                stats: Some(stats()),
                ..Default::default()
            },
            Port {
                switch: "sw0".into(),
                ifindex: 2,
                ifname: Some("eth0".into()),
                port_type: PortType::Uplink,
                mac: None,
                id: Some(1),
                stats: Some(Stats::default()),
                ..Default::default()
            },
        ]
    }

    fn fdb_fixture() -> Vec<Fdb> {
        vec![
            Fdb {
                switch: "sw0".into(),
                mac: Mac([2, 0, 0, 0, 0, 1]),
                ifindex: 5,
                ifname: Some("veth0".into()),
                is_static: true,
            },
            Fdb {
                switch: "sw0".into(),
                mac: Mac([0x52, 0x54, 0, 0x12, 0x34, 0x56]),
                ifindex: 2,
                ifname: Some("eth0".into()),
                is_static: false,
            },
            Fdb {
                switch: "sw0".into(),
                mac: Mac([2, 0, 0, 0, 0, 9]),
                ifindex: 77,
                ifname: None,
                is_static: false,
            },
        ]
    }

    const TEXT: Opts = Opts {
        json: false,
        pretty: false,
        stats: false,
    };

    #[test]
    fn switch_text() {
        assert_eq!(
            switches(&sw(), TEXT),
            "switch sw0 ports 2\nswitch sw1 ports 0\n"
        );
        assert_eq!(
            switches(&sw(), Opts { stats: true, ..TEXT }),
            "switch sw0 ports 2\n\
             \x20   rx 12 pkts 1008 bytes  tx 3 pkts 252 bytes  drop 1 pkts 60 bytes  pass 4 pkts  flood 5 pkts\n\
             \x20   flow-hit 9 pkts  flow-miss 3 pkts  flow-install 4  flow-limit 1 pkts  policy-drop 2 pkts  parse-error 6 pkts  revalidate 7\n\
             switch sw1 ports 0\n\
             \x20   rx 0 pkts 0 bytes  tx 0 pkts 0 bytes  drop 0 pkts 0 bytes  pass 0 pkts  flood 0 pkts\n\
             \x20   flow-hit 0 pkts  flow-miss 0 pkts  flow-install 0  flow-limit 0 pkts  policy-drop 0 pkts  parse-error 0 pkts  revalidate 0\n"
        );
        assert_eq!(switches(&[], TEXT), "");
    }

    #[test]
    fn switch_text_stats_missing() {
        let s = vec![Switch {
            name: "a".into(),
            n_ports: 1,
            stats: None,
            ..Default::default()
        }];
        assert_eq!(
            switches(
                &s,
                Opts {
                    stats: true,
                    ..TEXT
                }
            ),
            "switch a ports 1\n"
        );
    }

    #[test]
    fn switch_json() {
        let j = Opts { json: true, ..TEXT };
        assert_eq!(
            switches(&sw(), j),
            "[{\"name\":\"sw0\",\"n_ports\":2},{\"name\":\"sw1\",\"n_ports\":0}]\n"
        );
        assert_eq!(switches(&[], j), "[]\n");
        let js = switches(&sw()[..1], Opts { stats: true, ..j });
        assert_eq!(
            js,
            "[{\"name\":\"sw0\",\"n_ports\":2,\"stats\":{\"rx_packets\":12,\"rx_bytes\":1008,\
             \"tx_packets\":3,\"tx_bytes\":252,\"drop_packets\":1,\"drop_bytes\":60,\
             \"pass_packets\":4,\"flood_packets\":5,\"flow_hit_packets\":9,\"flow_miss_packets\":3,\
             \"flow_install\":4,\"flow_limit_packets\":1,\"policy_drop_packets\":2,\
             \"parse_error_packets\":6,\"revalidate\":7}}]\n"
        );
    }

    #[test]
    fn switch_json_pretty() {
        let o = Opts {
            json: true,
            pretty: true,
            stats: false,
        };
        assert_eq!(
            switches(&sw()[..1], o),
            "[\n  {\n    \"name\": \"sw0\",\n    \"n_ports\": 2\n  }\n]\n"
        );
    }

    #[test]
    fn pretty_without_json_is_text() {
        assert_eq!(
            switches(
                &sw()[..1],
                Opts {
                    pretty: true,
                    ..TEXT
                }
            ),
            "switch sw0 ports 2\n"
        );
    }

    #[test]
    fn port_text() {
        assert_eq!(
            ports(&ports_fixture(), TEXT),
            "port veth0 switch sw0 id 0 type vm mac 02:00:00:00:00:01 ifindex 5\n\
             port eth0 switch sw0 id 1 type uplink ifindex 2\n"
        );
        let s = ports(
            &ports_fixture()[..1],
            Opts {
                stats: true,
                ..TEXT
            },
        );
        assert_eq!(
            s,
            "port veth0 switch sw0 id 0 type vm mac 02:00:00:00:00:01 ifindex 5\n\
             \x20   rx 12 pkts 1008 bytes  tx 3 pkts 252 bytes  drop 1 pkts 60 bytes  pass 4 pkts  flood 5 pkts\n\
             \x20   flow-hit 9 pkts  flow-miss 3 pkts  flow-install 4  flow-limit 1 pkts  policy-drop 2 pkts  parse-error 6 pkts  revalidate 7\n"
        );
    }

    #[test]
    fn port_text_sparse() {
        let p = vec![Port {
            switch: "s".into(),
            ifindex: 9,
            ifname: None,
            port_type: PortType::Other(3),
            mac: None,
            id: None,
            stats: None,
            ..Default::default()
        }];
        assert_eq!(ports(&p, TEXT), "port if9 switch s type 3 ifindex 9\n");
    }

    #[test]
    fn port_json() {
        let o = Opts { json: true, ..TEXT };
        assert_eq!(
            ports(&ports_fixture(), o),
            "[{\"switch\":\"sw0\",\"ifindex\":5,\"ifname\":\"veth0\",\"type\":\"vm\",\
             \"mac\":\"02:00:00:00:00:01\",\"id\":0},\
             {\"switch\":\"sw0\",\"ifindex\":2,\"ifname\":\"eth0\",\"type\":\"uplink\",\"id\":1}]\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&ports(&ports_fixture(), Opts { stats: true, ..o })).unwrap();
        assert_eq!(v[0]["stats"]["rx_packets"], 12);
        assert_eq!(v[0]["stats"]["flood_packets"], 5);
        assert_eq!(v[1]["stats"]["tx_bytes"], 0);
        assert_eq!(v[1]["type"], "uplink");
        assert!(v[1].get("mac").is_none());
    }

    #[test]
    fn fdb_text() {
        assert_eq!(
            fdbs(&fdb_fixture(), TEXT),
            "fdb sw0 02:00:00:00:00:01 dev veth0 static\n\
             fdb sw0 52:54:00:12:34:56 dev eth0\n\
             fdb sw0 02:00:00:00:00:09 ifindex 77\n"
        );
        // -s changes nothing for fdb entries
        assert_eq!(
            fdbs(
                &fdb_fixture(),
                Opts {
                    stats: true,
                    ..TEXT
                }
            ),
            fdbs(&fdb_fixture(), TEXT)
        );
    }

    #[test]
    fn fdb_json() {
        let o = Opts { json: true, ..TEXT };
        assert_eq!(
            fdbs(&fdb_fixture(), o),
            "[{\"switch\":\"sw0\",\"mac\":\"02:00:00:00:00:01\",\"ifindex\":5,\"ifname\":\"veth0\",\"static\":true},\
             {\"switch\":\"sw0\",\"mac\":\"52:54:00:12:34:56\",\"ifindex\":2,\"ifname\":\"eth0\",\"static\":false},\
             {\"switch\":\"sw0\",\"mac\":\"02:00:00:00:00:09\",\"ifindex\":77,\"static\":false}]\n"
        );
    }
    // -- issue 3 ------------------------------------------------------------

    #[test]
    fn switch_config_text() {
        use crate::codec::{LimitAction, SwitchConfig};
        let s = vec![Switch {
            name: "sw0".into(),
            n_ports: 2,
            config: SwitchConfig {
                max_flows: Some(65536),
                port_max_flows: Some(16384),
                limit_action: Some(LimitAction::Uncached),
                tcp_syn_timeout: Some(30),
                tcp_est_timeout: Some(7200),
                tcp_fin_timeout: Some(30),
                udp_timeout: Some(60),
                icmp_timeout: Some(30),
                other_timeout: Some(60),
            },
            n_flows: Some(10),
            n_rules: Some(5),
            n_layers: Some(2),
            generation: Some(7),
            stats: None,
        }];
        assert_eq!(
            switches(&s, TEXT),
            "switch sw0 ports 2 flows 10 rules 5 layers 2 generation 7\n\
             \x20   max-flows 65536 port-max-flows 16384 limit-action uncached timeout tcp-syn 30 \
             timeout tcp-est 7200 timeout tcp-fin 30 timeout udp 60 timeout icmp 30 timeout other 60\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&switches(&s, Opts { json: true, ..TEXT })).unwrap();
        assert_eq!(v[0]["n_flows"], 10);
        assert_eq!(v[0]["limit_action"], "uncached");
        assert_eq!(v[0]["other_timeout"], 60);
    }

    #[test]
    fn port_stack_text() {
        let mut p = ports_fixture();
        p[0].layers = Some(vec!["acl".into(), "web".into()]);
        p[0].max_flows = Some(100);
        p[0].n_flows = Some(3);
        p[1].layers = Some(vec![]);
        p[1].max_flows = Some(0);
        p[1].n_flows = Some(0);
        assert_eq!(
            ports(&p, TEXT),
            "port veth0 switch sw0 id 0 type vm mac 02:00:00:00:00:01 ifindex 5 layers acl,web max-flows 100 flows 3\n\
             port eth0 switch sw0 id 1 type uplink ifindex 2 flows 0\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&ports(&p, Opts { json: true, ..TEXT })).unwrap();
        assert_eq!(v[0]["layers"], serde_json::json!(["acl", "web"]));
        assert_eq!(v[1]["layers"], serde_json::json!([]));
        assert_eq!(v[0]["max_flows"], 100);
        assert_eq!(v[0]["n_flows"], 3);
    }

    #[test]
    fn layer_text_and_json() {
        use crate::codec::Verdict;
        let l = vec![Layer {
            switch: "sw0".into(),
            name: "acl".into(),
            out_default: Some(Verdict::Deny),
            in_default: Some(Verdict::Allow),
            n_out_rules: Some(10),
            n_in_rules: Some(3),
            n_ports: Some(2),
        }];
        assert_eq!(
            layers(&l, TEXT),
            "layer sw0 acl out-default deny in-default allow out-rules 10 in-rules 3 ports 2\n"
        );
        assert_eq!(
            layers(&l, Opts { json: true, ..TEXT }),
            "[{\"switch\":\"sw0\",\"name\":\"acl\",\"out_default\":\"deny\",\"in_default\":\"allow\",\
             \"n_out_rules\":10,\"n_in_rules\":3,\"n_ports\":2}]\n"
        );
    }

    #[test]
    fn rule_text_and_json() {
        use crate::codec::{ActionType, Direction};
        use crate::rule::{parse_rule_args, Match};
        let args: Vec<String> = "id 10 prio 100 in-port vm1 proto tcp dst-port 80 tcp-flags +syn-ack action allow count"
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let ra = parse_rule_args(&args, false).unwrap().unwrap();
        let r = Rule {
            switch: "sw0".into(),
            id: 10,
            priority: Some(100),
            matches_: ra.matches.unwrap(),
            actions: ra.actions.unwrap(),
            n_matches: Some(3),
            packets: Some(10),
            bytes: Some(1000),
            refs: Some(2),
            layer: None,
            direction: None,
        };
        let line = rules(std::slice::from_ref(&r), TEXT);
        assert_eq!(
            line,
            "rule sw0 id 10 prio 100 in-port vm1 proto tcp dst-port 80 tcp-flags +syn-ack action allow count \
             matches 3 packets 10 bytes 1000 refs 2\n"
        );
        // everything from id to the actions pastes back into rule add
        let pasted: Vec<String> = line
            .split(" matches ")
            .next()
            .unwrap()
            .split_whitespace()
            .skip(2)
            .map(str::to_string)
            .collect();
        let back = parse_rule_args(&pasted, false).unwrap().unwrap();
        assert_eq!(back.matches.as_ref(), Some(&r.matches_));
        assert_eq!(back.actions.as_deref(), Some(&r.actions[..]));
        assert_eq!(back.priority, r.priority);
        let r2 = Rule {
            switch: "sw0".into(),
            id: 11,
            matches_: Match::default(),
            actions: vec![ActionType::Deny],
            layer: Some("acl".into()),
            direction: Some(Direction::Out),
            ..Default::default()
        };
        assert_eq!(
            rules(&[r2], TEXT),
            "rule sw0 id 11 any action deny layer acl out\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&rules(&[r], Opts { json: true, ..TEXT })).unwrap();
        assert_eq!(v[0]["id"], 10);
        assert_eq!(v[0]["match"]["in_port_dev"], "vm1");
        assert_eq!(v[0]["actions"][1], "count");
    }

    #[test]
    fn flow_and_explain_rendering() {
        use crate::codec::{Direction, Verdict};
        use crate::flow::{ExplainStep, FlowKey};
        let f = Flow {
            switch: "sw0".into(),
            in_port: 1,
            out_port: Some(2),
            key: FlowKey {
                ethertype: Some(0x0800),
                src_ip: Some("10.0.0.1".parse().unwrap()),
                dst_ip: Some("10.0.0.2".parse().unwrap()),
                proto: Some(6),
                src_port: Some(1234),
                dst_port: Some(80),
                ..Default::default()
            },
            verdict: Some(Verdict::Allow),
            layer: Some("acl".into()),
            rule_id: Some(10),
            packets: Some(5),
            bytes: Some(420),
            age_ms: Some(3200),
            idle_ms: Some(100),
            tcp_state: Some(crate::codec::TcpState::Established),
            reply: false,
            generation: Some(1),
            in_dev: Some("vm1".into()),
            out_dev: Some("vm2".into()),
        };
        assert_eq!(
            flows(std::slice::from_ref(&f), TEXT),
            "in vm1 out vm2 tcp 10.0.0.1:1234 -> 10.0.0.2:80 allow layer acl rule 10 packets 5 bytes 420 \
             age 3.2s idle 0.1s state established\n"
        );
        assert_eq!(flows(&[], TEXT), "");
        assert_eq!(flows(&[], Opts { json: true, ..TEXT }), "[]\n");
        let v: serde_json::Value =
            serde_json::from_str(&flows(&[f], Opts { json: true, ..TEXT })).unwrap();
        assert_eq!(v[0]["key"]["src_port"], 1234);
        assert_eq!(v[0]["reply"], false);
        let e = Explain {
            verdict: Some(Verdict::Allow),
            out_port: Some(2),
            out_dev: Some("vm2".into()),
            steps: vec![ExplainStep {
                port: Some(1),
                dev: Some("vm1".into()),
                direction: Some(Direction::Out),
                layer: Some("acl".into()),
                rule_id: Some(10),
                verdict: Some(Verdict::Allow),
            }],
            ..Default::default()
        };
        assert_eq!(
            explain(&e, TEXT),
            "port vm1 out layer acl rule 10 allow\nverdict allow out-port vm2\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&explain(&e, Opts { json: true, ..TEXT })).unwrap();
        assert_eq!(v[0]["out_dev"], "vm2");
        assert_eq!(v[0]["steps"][0]["verdict"], "allow");
    }
}
