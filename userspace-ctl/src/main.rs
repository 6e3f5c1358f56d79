//! vflowctl: control CLI of the vflow virtual-switch datapath.
//!
//! ```text
//! vflowctl [-j|--json] [-p|--pretty] [-s|--stats] OBJECT COMMAND [ARGS]
//! vflowctl [-j] [-p] [-s] [-force] -b FILE
//! ```
//!
//! OBJECT and COMMAND are clap subcommands; the iproute2-style keyword pairs
//! after them (`dev X type Y ...`) are parsed by hand in this file and in
//! `rule.rs`/`flow.rs`.

mod batch;
mod codec;
mod flow;
mod nl;
mod output;
mod rule;

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use codec::{
    cmd, Direction, LayerReq, LimitAction, Mac, PortNew, PortSet, PortType, SwitchConfig, Verdict,
    TIMEOUT_CLASSES,
};
use flow::ExplainArgs;
use nl::{NlError, Vflow};
use output::Opts;
use rule::{parse_num, parse_u32, RuleArgs};

const GRAMMAR: &str = "\
Objects and commands:
  switch add NAME [max-flows N] [port-max-flows N] [limit-action uncached|drop]
             [timeout CLASS SECS]...   (CLASS: tcp-syn tcp-est tcp-fin udp icmp other)
  switch set NAME OPTIONS (as for add)
  switch del NAME                        (alias: delete)
  switch show [NAME]                     (alias: list)
  port add SWITCH dev IFNAME [type vm|uplink] [mac XX:XX:XX:XX:XX:XX]
  port set [dev] IFNAME [layers L1,L2,...|layers none] [max-flows N]
  port del dev IFNAME                    (alias: delete)
  port show [dev IFNAME] [switch NAME]   (alias: list)
  fdb show [switch NAME]                 (alias: list)
  rule add SWITCH id N [prio P] [CONDITION]... action allow|deny [count]
  rule change SWITCH id N [prio P] [CONDITION|any]... [action allow|deny [count]]
  rule del SWITCH id N                   (alias: delete)
  rule show SWITCH [id N] [layer NAME]   (alias: list)
  layer add SWITCH NAME [out-default allow|deny] [in-default allow|deny]
  layer set SWITCH NAME [out-default allow|deny] [in-default allow|deny]
  layer del SWITCH NAME                  (alias: delete)
  layer show SWITCH [NAME]               (alias: list)
  layer bind SWITCH NAME out|in IDLIST   (IDLIST: 10,12,100-199)
  layer unbind SWITCH NAME out|in IDLIST
  flow show SWITCH [port IFNAME]         (alias: list)
  flow flush SWITCH [port IFNAME]
  explain port IFNAME out|in PROTO SRC[:PORT] -> DST[:PORT] [OPTIONS]
CONDITION: in-port IFNAME, out-port IFNAME, src-mac MAC[/MASK], dst-mac MAC[/MASK],
  ethertype ipv4|ipv6|arp|N, vlan N, src-ip ADDR[/PLEN], dst-ip ADDR[/PLEN],
  proto tcp|udp|icmp|icmpv6|sctp|N, src-port N[-M], dst-port N[-M], icmp-type N,
  icmp-code N, dscp N, tos N[/MASK], tcp-flags +syn-ack...
Batch: -b FILE (- for stdin) runs one command per line; -force goes on after errors.

`help`, -h or --help after any object or command shows its help.
Exit status: 0 on success, 1 on any error (usage, kernel, missing module).
See vflowctl(8).";

#[derive(Parser, Debug)]
#[command(
    name = "vflowctl",
    version,
    about = "Control the vflow virtual-switch datapath (generic netlink family \"vflow\")",
    override_usage = "vflowctl [-j|--json] [-p|--pretty] [-s|--stats] OBJECT COMMAND [ARGS]\n       \
                      vflowctl [-j|--json] [-p|--pretty] [-s|--stats] [-force] -b FILE",
    after_help = GRAMMAR,
    arg_required_else_help = true,
    subcommand_value_name = "OBJECT",
    subcommand_help_heading = "Objects"
)]
struct Cli {
    /// Print a JSON array of objects
    #[arg(short = 'j', long = "json")]
    json: bool,
    /// Indent the JSON output (with -j)
    #[arg(short = 'p', long = "pretty")]
    pretty: bool,
    /// Show packet and byte counters
    #[arg(short = 's', long = "stats")]
    stats: bool,
    /// Run the commands of FILE (- for standard input), one per line
    #[arg(short = 'b', long = "batch", value_name = "FILE")]
    batch: Option<String>,
    /// With -b, go on after a failing command (also spelled -force)
    #[arg(long = "force")]
    force: bool,
    #[command(subcommand)]
    object: Option<Object>,
}

#[derive(Subcommand, Debug)]
enum Object {
    /// Create, change, delete and show switches
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Switch {
        #[command(subcommand)]
        cmd: SwitchCmd,
    },
    /// Attach, change, detach and show ports
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Port {
        #[command(subcommand)]
        cmd: PortCmd,
    },
    /// Show forwarding tables
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Fdb {
        #[command(subcommand)]
        cmd: FdbCmd,
    },
    /// Add, change, delete and show rules of a switch's rule table
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Rule {
        #[command(subcommand)]
        cmd: RuleCmd,
    },
    /// Create, change, delete, show layers; bind rules to them
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Layer {
        #[command(subcommand)]
        cmd: LayerCmd,
    },
    /// Show and flush cached flows
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Flow {
        #[command(subcommand)]
        cmd: FlowCmd,
    },
    /// Show how the layers decide a packet (a dry run)
    #[command(
        override_usage = "vflowctl explain port IFNAME out|in PROTO SRC[:PORT] -> DST[:PORT] \
                          [src-mac MAC] [dst-mac MAC] [vlan N] [tos N|dscp N] \
                          [tcp-flags FLAG,...] [type N] [code N]",
        arg_required_else_help = true,
        after_help = "PROTO: tcp, udp, icmp, icmpv6, sctp or a number. SRC and DST: \
                      10.0.0.1:1234, [2001:db8::1]:80, or an address without port. \
                      Quote '->' in a shell (an unquoted > redirects). type and code are \
                      for icmp/icmpv6. The switch is the one IFNAME is a port of."
    )]
    Explain {
        /// port IFNAME out|in PROTO SRC -> DST [OPTIONS]
        #[arg(
            value_name = "ARGS",
            allow_hyphen_values = true,
            trailing_var_arg = true
        )]
        args: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum SwitchCmd {
    /// Create a switch
    #[command(
        override_usage = "vflowctl switch add NAME [max-flows N] [port-max-flows N] \
                          [limit-action uncached|drop] [timeout CLASS SECS]...",
        after_help = "CLASS is tcp-syn, tcp-est, tcp-fin, udp, icmp or other; timeouts are \
                      idle timeouts in seconds. Defaults: max-flows 65536, port-max-flows \
                      max-flows/4, limit-action uncached, timeouts 30 7200 30 60 30 60."
    )]
    Add {
        /// Switch name (at most 15 bytes; the kernel checks)
        #[arg(value_name = "NAME")]
        name: String,
        /// [max-flows N] [port-max-flows N] [limit-action uncached|drop] [timeout CLASS SECS]...
        #[arg(value_name = "OPTIONS")]
        args: Vec<String>,
    },
    /// Change a switch's flow-table configuration
    #[command(
        override_usage = "vflowctl switch set NAME [max-flows N] [port-max-flows N] \
                          [limit-action uncached|drop] [timeout CLASS SECS]...",
        after_help = "At least one option. Lowering a limit evicts no flows; raising \
                      max-flows past the table's size empties the flow table."
    )]
    Set {
        /// Switch name
        #[arg(value_name = "NAME")]
        name: String,
        /// [max-flows N] [port-max-flows N] [limit-action uncached|drop] [timeout CLASS SECS]...
        #[arg(value_name = "OPTIONS")]
        args: Vec<String>,
    },
    /// Delete a switch and detach all its ports
    #[command(visible_alias = "delete", override_usage = "vflowctl switch del NAME")]
    Del {
        /// Switch name
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Show one switch, or all switches of this network namespace
    #[command(visible_alias = "list", override_usage = "vflowctl switch show [NAME]")]
    Show {
        /// Switch name (all switches when left out)
        #[arg(value_name = "NAME")]
        name: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum PortCmd {
    /// Attach a netdev of this network namespace to a switch
    #[command(
        override_usage = "vflowctl port add SWITCH dev IFNAME [type vm|uplink] [mac XX:XX:XX:XX:XX:XX]",
        after_help = "type defaults to vm. With mac, the port only accepts that source MAC and \
                      the switch gets a static forwarding entry for it."
    )]
    Add {
        /// Switch to attach the device to
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// dev IFNAME [type vm|uplink] [mac XX:XX:XX:XX:XX:XX]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Change a port's layer stack or flow limit
    #[command(
        override_usage = "vflowctl port set [dev] IFNAME [layers L1,L2,...|layers none] [max-flows N]",
        after_help = "layers lists the port's layers top first (at most 8; outbound traffic \
                      walks them top to bottom, inbound bottom to top); the new stack is \
                      published atomically. layers none removes them all. max-flows 0 means \
                      the switch's port-max-flows."
    )]
    Set {
        /// [dev] IFNAME [layers L1,L2,...|none] [max-flows N]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Detach a netdev from its switch
    #[command(
        visible_alias = "delete",
        override_usage = "vflowctl port del dev IFNAME"
    )]
    Del {
        /// dev IFNAME
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Show one port, or the ports of one or all switches
    #[command(
        visible_alias = "list",
        override_usage = "vflowctl port show [dev IFNAME] [switch NAME]"
    )]
    Show {
        /// [dev IFNAME] [switch NAME]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum FdbCmd {
    /// Show the forwarding table of one or all switches
    #[command(
        visible_alias = "list",
        override_usage = "vflowctl fdb show [switch NAME]"
    )]
    Show {
        /// [switch NAME]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
}

const RULE_AFTER_HELP: &str = "CONDITION: in-port IFNAME | out-port IFNAME | src-mac MAC[/MASK] | \
dst-mac MAC[/MASK] | ethertype ipv4|ipv6|arp|N | vlan N | src-ip ADDR[/PLEN] | dst-ip ADDR[/PLEN] | \
proto tcp|udp|icmp|icmpv6|sctp|N | src-port N[-M] | dst-port N[-M] | icmp-type N | icmp-code N | \
dscp N | tos N[/MASK] | tcp-flags FLAGS. FLAGS: +syn-ack (syn set, ack clear), syn,ack (both set) \
or VALUE/MASK; names fin syn rst psh ack urg ece cwr ns. Lower prio wins (default 1000). \
Every condition given must hold; absent ones are wildcards.";

#[derive(Subcommand, Debug)]
enum RuleCmd {
    /// Add a rule to a switch's rule table
    #[command(
        override_usage = "vflowctl rule add SWITCH id N [prio P] [CONDITION]... action allow|deny [count]",
        after_help = RULE_AFTER_HELP
    )]
    Add {
        /// Switch of the rule table
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// id N [prio P] [CONDITION]... action allow|deny [count]
        #[arg(value_name = "ARGS", allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Change a rule: the parts given replace the rule's (conditions as a whole)
    #[command(
        visible_alias = "set",
        override_usage = "vflowctl rule change SWITCH id N [prio P] [CONDITION...|any] [action allow|deny [count]]",
        after_help = RULE_AFTER_HELP
    )]
    Change {
        /// Switch of the rule table
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// id N [prio P] [CONDITION...|any] [action allow|deny [count]]
        #[arg(value_name = "ARGS", allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Delete a rule (refused while a layer references it)
    #[command(
        visible_alias = "delete",
        override_usage = "vflowctl rule del SWITCH id N"
    )]
    Del {
        /// Switch of the rule table
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// id N
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Show one rule, the rules of a switch, or those a layer references
    #[command(
        visible_alias = "list",
        override_usage = "vflowctl rule show SWITCH [id N] [layer NAME]"
    )]
    Show {
        /// Switch of the rule table
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// [id N] [layer NAME]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
enum LayerCmd {
    /// Create a layer
    #[command(
        override_usage = "vflowctl layer add SWITCH NAME [out-default allow|deny] [in-default allow|deny]",
        after_help = "Default verdicts apply to packets no bound rule matches; allow when not given."
    )]
    Add {
        /// Switch of the layer
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// NAME [out-default allow|deny] [in-default allow|deny]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Change a layer's default verdicts
    #[command(
        override_usage = "vflowctl layer set SWITCH NAME [out-default allow|deny] [in-default allow|deny]"
    )]
    Set {
        /// Switch of the layer
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// NAME [out-default allow|deny] [in-default allow|deny]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Delete a layer (refused while a port's stack holds it)
    #[command(
        visible_alias = "delete",
        override_usage = "vflowctl layer del SWITCH NAME"
    )]
    Del {
        /// Switch of the layer
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// NAME
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Show one layer or the layers of a switch
    #[command(
        visible_alias = "list",
        override_usage = "vflowctl layer show SWITCH [NAME]"
    )]
    Show {
        /// Switch of the layers
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// [NAME]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Add rule ids to a layer's outbound or inbound index table
    #[command(
        override_usage = "vflowctl layer bind SWITCH NAME out|in IDLIST",
        after_help = BIND_AFTER_HELP
    )]
    Bind {
        /// Switch of the layer
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// NAME out|in IDLIST
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Remove rule ids from a layer's outbound or inbound index table
    #[command(
        override_usage = "vflowctl layer unbind SWITCH NAME out|in IDLIST",
        after_help = BIND_AFTER_HELP
    )]
    Unbind {
        /// Switch of the layer
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// NAME out|in IDLIST
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
}

const BIND_AFTER_HELP: &str = "IDLIST: comma-separated rule ids and ranges, e.g. 10,12,100-199. \
Both out IDLIST and in IDLIST may be given. Long lists are sent in chunks of at most 8191 ids; \
each chunk is published atomically on its own.";

#[derive(Subcommand, Debug)]
enum FlowCmd {
    /// Show the cached flows of a switch, or of one input port
    #[command(
        visible_alias = "list",
        override_usage = "vflowctl flow show SWITCH [port IFNAME]"
    )]
    Show {
        /// Switch of the flows
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// [port IFNAME]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
    /// Remove the flows of a switch, or of one input port (and their reverse flows)
    #[command(override_usage = "vflowctl flow flush SWITCH [port IFNAME]")]
    Flush {
        /// Switch of the flows
        #[arg(value_name = "SWITCH")]
        switch: String,
        /// [port IFNAME]
        #[arg(value_name = "ARGS")]
        args: Vec<String>,
    },
}

/// A fully validated command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    SwitchAdd {
        name: String,
        config: SwitchConfig,
    },
    SwitchSet {
        name: String,
        config: SwitchConfig,
    },
    SwitchDel {
        name: String,
    },
    SwitchShow {
        name: Option<String>,
    },
    PortAdd(PortNew),
    PortSet(PortSet),
    PortDel {
        dev: String,
    },
    PortShow {
        dev: Option<String>,
        switch: Option<String>,
    },
    FdbShow {
        switch: Option<String>,
    },
    RuleAdd {
        switch: String,
        rule: RuleArgs,
    },
    RuleChange {
        switch: String,
        rule: RuleArgs,
    },
    RuleDel {
        switch: String,
        id: u32,
    },
    RuleShow {
        switch: String,
        id: Option<u32>,
        layer: Option<String>,
    },
    LayerAdd(LayerReq),
    LayerSet(LayerReq),
    LayerDel {
        switch: String,
        name: String,
    },
    LayerShow {
        switch: String,
        name: Option<String>,
    },
    LayerBind {
        switch: String,
        name: String,
        /// (direction, ids) in the order given.
        lists: Vec<(Direction, Vec<u32>)>,
        unbind: bool,
    },
    FlowShow {
        switch: String,
        dev: Option<String>,
    },
    FlowFlush {
        switch: String,
        dev: Option<String>,
    },
    Explain(ExplainArgs),
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Talk to the kernel.
    Run(Opts, Command),
    /// Run the commands of a file (`-` for stdin).
    Batch {
        opts: Opts,
        file: String,
        force: bool,
    },
    /// Print this to stdout and exit 0 (help, version).
    Print(String),
}

/// A usage error: print this to stderr and exit 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

const HELP_WORDS: [&str; 3] = ["help", "-h", "--help"];

/// The help text of `vflowctl OBJECT COMMAND`, as clap renders it.
fn help_of(path: &[&str]) -> Action {
    let mut argv = vec!["vflowctl"];
    argv.extend_from_slice(path);
    argv.push("--help");
    match Cli::try_parse_from(argv) {
        Err(e) => Action::Print(e.render().to_string()),
        Ok(_) => unreachable!("--help always stops parsing"),
    }
}

fn usage_error(path: &[&str], usage: &str, msg: impl std::fmt::Display) -> UsageError {
    UsageError(format!(
        "Error: {msg}\nUsage: {usage}\nTry 'vflowctl {} help' for more information.\n",
        path.join(" ")
    ))
}

/// Keyword/value pairs (`dev veth0 type vm`). `Ok(None)` means help was asked.
fn keywords(
    args: &[String],
    allowed: &[&'static str],
) -> Result<Option<HashMap<&'static str, String>>, String> {
    let mut out = HashMap::new();
    let mut it = args.iter();
    while let Some(word) = it.next() {
        if HELP_WORDS.contains(&word.as_str()) {
            return Ok(None);
        }
        let Some(&kw) = allowed.iter().find(|k| **k == word.as_str()) else {
            let expected: Vec<String> = allowed.iter().map(|k| format!("\"{k}\"")).collect();
            return Err(format!(
                "unknown argument \"{word}\" (expected {})",
                expected.join(" or ")
            ));
        };
        let Some(value) = it.next() else {
            return Err(format!("\"{kw}\" needs a value"));
        };
        if out.insert(kw, value.clone()).is_some() {
            return Err(format!("\"{kw}\" given more than once"));
        }
    }
    Ok(Some(out))
}

/// `switch add`/`switch set` options. `Ok(None)` means help was asked.
fn switch_config(args: &[String]) -> Result<Option<SwitchConfig>, String> {
    let mut c = SwitchConfig::default();
    let mut it = args.iter().map(String::as_str);
    let once = |set: bool, kw: &str| {
        if set {
            Err(format!("\"{kw}\" given more than once"))
        } else {
            Ok(())
        }
    };
    while let Some(kw) = it.next() {
        if HELP_WORDS.contains(&kw) {
            return Ok(None);
        }
        let known = ["max-flows", "port-max-flows", "limit-action", "timeout"];
        if !known.contains(&kw) {
            return Err(format!(
                "unknown argument \"{kw}\" (expected \"max-flows\" or \"port-max-flows\" or \
                 \"limit-action\" or \"timeout\")"
            ));
        }
        let val = it.next().ok_or_else(|| format!("\"{kw}\" needs a value"))?;
        match kw {
            "max-flows" => {
                once(c.max_flows.is_some(), kw)?;
                c.max_flows = Some(parse_num("max-flows", val, 1, 4_194_304)? as u32);
            }
            "port-max-flows" => {
                once(c.port_max_flows.is_some(), kw)?;
                c.port_max_flows =
                    Some(parse_num("port-max-flows", val, 1, u32::MAX.into())? as u32);
            }
            "limit-action" => {
                once(c.limit_action.is_some(), kw)?;
                c.limit_action = Some(val.parse::<LimitAction>().map_err(|e| e.to_string())?);
            }
            _ => {
                let Some(i) = TIMEOUT_CLASSES.iter().position(|k| *k == val) else {
                    return Err(format!(
                        "invalid timeout class \"{val}\" (expected {})",
                        TIMEOUT_CLASSES.join(", ")
                    ));
                };
                let secs = it
                    .next()
                    .ok_or_else(|| format!("\"timeout {val}\" needs a number of seconds"))?;
                let secs = parse_num(&format!("timeout {val}"), secs, 1, u32::MAX.into())? as u32;
                let slot = c.timeout_mut(i).expect("index of TIMEOUT_CLASSES");
                once(slot.is_some(), &format!("timeout {val}"))?;
                *slot = Some(secs);
            }
        }
    }
    Ok(Some(c))
}

/// `port set` arguments. `Ok(None)` means help was asked.
fn port_set_args(args: &[String]) -> Result<Option<PortSet>, String> {
    if args.iter().any(|a| HELP_WORDS.contains(&a.as_str())) {
        return Ok(None);
    }
    let mut rest = args;
    // `port set dev IFNAME ...` as well as `port set IFNAME ...`.
    if rest.len() >= 2 && rest[0] == "dev" && !["layers", "max-flows"].contains(&rest[1].as_str()) {
        rest = &rest[1..];
    }
    let Some((dev, rest)) = rest.split_first() else {
        return Err("the device IFNAME is required".into());
    };
    let Some(mut kw) = keywords(rest, &["layers", "max-flows"])? else {
        return Ok(None);
    };
    let layers = match kw.remove("layers") {
        None => None,
        Some(l) if l == "none" => Some(Vec::new()),
        Some(l) => {
            let v: Vec<String> = l.split(',').map(str::to_string).collect();
            if v.iter().any(String::is_empty) {
                return Err(format!("invalid layer list \"{l}\" (empty name)"));
            }
            if v.len() > codec::MAX_LAYERS {
                return Err(format!(
                    "too many layers ({}; a port holds at most {})",
                    v.len(),
                    codec::MAX_LAYERS
                ));
            }
            Some(v)
        }
    };
    let max_flows = kw
        .remove("max-flows")
        .map(|v| parse_u32("max-flows", &v))
        .transpose()?;
    if layers.is_none() && max_flows.is_none() {
        return Err("nothing to change (give layers or max-flows)".into());
    }
    Ok(Some(PortSet {
        ifname: dev.clone(),
        layers,
        max_flows,
    }))
}

/// `layer add/set` arguments after SWITCH. `Ok(None)` means help was asked.
fn layer_args(switch: String, args: &[String], set: bool) -> Result<Option<LayerReq>, String> {
    if args.iter().any(|a| HELP_WORDS.contains(&a.as_str())) {
        return Ok(None);
    }
    let Some((name, rest)) = args.split_first() else {
        return Err("the layer NAME is required".into());
    };
    let Some(mut kw) = keywords(rest, &["out-default", "in-default"])? else {
        return Ok(None);
    };
    let verdict = |v: Option<String>| {
        v.map(|v| v.parse::<Verdict>().map_err(|e| e.to_string()))
            .transpose()
    };
    let out_default = verdict(kw.remove("out-default"))?;
    let in_default = verdict(kw.remove("in-default"))?;
    if set && out_default.is_none() && in_default.is_none() {
        return Err("nothing to change (give out-default or in-default)".into());
    }
    Ok(Some(LayerReq {
        switch,
        name: name.clone(),
        out_default,
        in_default,
    }))
}

/// `layer bind/unbind` arguments after SWITCH.
#[allow(clippy::type_complexity)]
fn bind_args(args: &[String]) -> Result<Option<(String, Vec<(Direction, Vec<u32>)>)>, String> {
    if args.iter().any(|a| HELP_WORDS.contains(&a.as_str())) {
        return Ok(None);
    }
    let Some((name, rest)) = args.split_first() else {
        return Err("the layer NAME is required".into());
    };
    let mut lists: Vec<(Direction, Vec<u32>)> = Vec::new();
    let mut it = rest.iter();
    while let Some(d) = it.next() {
        let dir: Direction = d.parse().map_err(|e: codec::BadKeyword| e.to_string())?;
        if lists.iter().any(|(x, _)| *x == dir) {
            return Err(format!("\"{dir}\" given more than once"));
        }
        let ids = it
            .next()
            .ok_or_else(|| format!("\"{dir}\" needs a rule id list"))?;
        lists.push((dir, rule::parse_id_list(ids)?));
    }
    if lists.is_empty() {
        return Err("\"out IDLIST\" or \"in IDLIST\" is required".into());
    }
    Ok(Some((name.clone(), lists)))
}

/// `[port IFNAME]` of the flow commands.
fn flow_args(args: &[String]) -> Result<Option<Option<String>>, String> {
    Ok(keywords(args, &["port"])?.map(|mut kw| kw.remove("port")))
}

/// Reads `-force` and `-batch` (iproute2 spellings) as `--force`/`--batch`
/// among the options before the object.
fn normalize_argv(argv: Vec<OsString>) -> Vec<OsString> {
    let mut out = Vec::with_capacity(argv.len());
    let mut options = true;
    let mut skip_value = false;
    for (i, a) in argv.into_iter().enumerate() {
        if i == 0 || !options {
            out.push(a);
            continue;
        }
        if skip_value {
            skip_value = false;
            out.push(a);
            continue;
        }
        let s = a.to_string_lossy();
        if !s.starts_with('-') {
            options = false;
            out.push(a);
            continue;
        }
        match s.as_ref() {
            "-force" => out.push("--force".into()),
            "-batch" => {
                skip_value = true;
                out.push("--batch".into());
            }
            "-b" | "--batch" => {
                skip_value = true;
                out.push(a);
            }
            _ => out.push(a),
        }
    }
    out
}

thread_local! {
    /// The clap grammar, built once: building it costs far more than
    /// parsing a line with it, which matters for batch files.
    static CLAP: std::cell::RefCell<clap::Command> =
        std::cell::RefCell::new(<Cli as clap::CommandFactory>::command());
}

fn clap_parse(argv: Vec<OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    CLAP.with(|c| {
        let m = c.borrow_mut().try_get_matches_from_mut(argv)?;
        Cli::from_arg_matches(&m)
    })
}

/// Parse a command line (including argv\[0\]).
pub fn parse<I, T>(argv: I) -> Result<Action, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let argv = normalize_argv(argv.into_iter().map(Into::into).collect());
    let cli = match clap_parse(argv) {
        Ok(c) => c,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Ok(Action::Print(e.render().to_string()))
                }
                _ => Err(UsageError(e.render().to_string())),
            }
        }
    };
    let opts = Opts {
        json: cli.json,
        pretty: cli.pretty,
        stats: cli.stats,
    };
    let object = match (cli.object, cli.batch) {
        (None, Some(file)) => {
            return Ok(Action::Batch {
                opts,
                file,
                force: cli.force,
            })
        }
        (Some(_), Some(_)) => {
            return Err(UsageError(
                "Error: -b FILE takes no command: the commands come from FILE\n\
                 Usage: vflowctl [-j] [-p] [-s] [-force] -b FILE\n"
                    .into(),
            ))
        }
        (None, None) => {
            use clap::CommandFactory;
            let e = Cli::command().error(
                ErrorKind::MissingSubcommand,
                "an OBJECT (or -b FILE) is required",
            );
            return Err(UsageError(e.render().to_string()));
        }
        (Some(o), None) => {
            if cli.force {
                return Err(UsageError(
                    "Error: -force only makes sense with -b FILE\n\
                     Usage: vflowctl [-j] [-p] [-s] [-force] -b FILE\n"
                        .into(),
                ));
            }
            o
        }
    };
    let is_help = |s: &str| HELP_WORDS.contains(&s);
    let command = match object {
        Object::Switch { cmd } => match cmd {
            SwitchCmd::Add { name, .. } if is_help(&name) => {
                return Ok(help_of(&["switch", "add"]))
            }
            SwitchCmd::Set { name, .. } if is_help(&name) => {
                return Ok(help_of(&["switch", "set"]))
            }
            SwitchCmd::Add { name, args } => {
                let path = ["switch", "add"];
                let usage = "vflowctl switch add NAME [max-flows N] [port-max-flows N] \
                             [limit-action uncached|drop] [timeout CLASS SECS]...";
                let Some(config) =
                    switch_config(&args).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                Command::SwitchAdd { name, config }
            }
            SwitchCmd::Set { name, args } => {
                let path = ["switch", "set"];
                let usage = "vflowctl switch set NAME [max-flows N] [port-max-flows N] \
                             [limit-action uncached|drop] [timeout CLASS SECS]...";
                let Some(config) =
                    switch_config(&args).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                if config.is_empty() {
                    return Err(usage_error(
                        &path,
                        usage,
                        "nothing to change (give an option)",
                    ));
                }
                Command::SwitchSet { name, config }
            }
            SwitchCmd::Del { name } if is_help(&name) => return Ok(help_of(&["switch", "del"])),
            SwitchCmd::Del { name } => Command::SwitchDel { name },
            SwitchCmd::Show { name: Some(n) } if is_help(&n) => {
                return Ok(help_of(&["switch", "show"]))
            }
            SwitchCmd::Show { name } => Command::SwitchShow { name },
        },
        Object::Port { cmd } => match cmd {
            PortCmd::Add { switch, args } => {
                let path = ["port", "add"];
                let usage =
                    "vflowctl port add SWITCH dev IFNAME [type vm|uplink] [mac XX:XX:XX:XX:XX:XX]";
                if is_help(&switch) {
                    return Ok(help_of(&path));
                }
                let Some(mut kw) = keywords(&args, &["dev", "type", "mac"])
                    .map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                let ifname = kw
                    .remove("dev")
                    .ok_or_else(|| usage_error(&path, usage, "\"dev IFNAME\" is required"))?;
                let port_type = kw
                    .remove("type")
                    .map(|t| t.parse::<PortType>())
                    .transpose()
                    .map_err(|e| usage_error(&path, usage, e))?;
                let mac = kw
                    .remove("mac")
                    .map(|m| m.parse::<Mac>())
                    .transpose()
                    .map_err(|e| usage_error(&path, usage, e))?;
                Command::PortAdd(PortNew {
                    switch,
                    ifname,
                    port_type,
                    mac,
                })
            }
            PortCmd::Set { args } => {
                let path = ["port", "set"];
                let usage =
                    "vflowctl port set [dev] IFNAME [layers L1,L2,...|layers none] [max-flows N]";
                let Some(req) = port_set_args(&args).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                Command::PortSet(req)
            }
            PortCmd::Del { args } => {
                let path = ["port", "del"];
                let usage = "vflowctl port del dev IFNAME";
                let Some(mut kw) =
                    keywords(&args, &["dev"]).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                let dev = kw
                    .remove("dev")
                    .ok_or_else(|| usage_error(&path, usage, "\"dev IFNAME\" is required"))?;
                Command::PortDel { dev }
            }
            PortCmd::Show { args } => {
                let path = ["port", "show"];
                let usage = "vflowctl port show [dev IFNAME] [switch NAME]";
                let Some(mut kw) = keywords(&args, &["dev", "switch"])
                    .map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                Command::PortShow {
                    dev: kw.remove("dev"),
                    switch: kw.remove("switch"),
                }
            }
        },
        Object::Fdb { cmd } => match cmd {
            FdbCmd::Show { args } => {
                let path = ["fdb", "show"];
                let usage = "vflowctl fdb show [switch NAME]";
                let Some(mut kw) =
                    keywords(&args, &["switch"]).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                Command::FdbShow {
                    switch: kw.remove("switch"),
                }
            }
        },
        Object::Rule { cmd } => match cmd {
            RuleCmd::Add { switch, args } => {
                let path = ["rule", "add"];
                let usage =
                    "vflowctl rule add SWITCH id N [prio P] [CONDITION]... action allow|deny [count]";
                if is_help(&switch) {
                    return Ok(help_of(&path));
                }
                let Some(rule) = rule::parse_rule_args(&args, false)
                    .map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                Command::RuleAdd { switch, rule }
            }
            RuleCmd::Change { switch, args } => {
                let path = ["rule", "change"];
                let usage = "vflowctl rule change SWITCH id N [prio P] [CONDITION...|any] \
                             [action allow|deny [count]]";
                if is_help(&switch) {
                    return Ok(help_of(&path));
                }
                let Some(rule) =
                    rule::parse_rule_args(&args, true).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                if rule.priority.is_none() && rule.matches.is_none() && rule.actions.is_none() {
                    return Err(usage_error(
                        &path,
                        usage,
                        "nothing to change (give prio, conditions or an action)",
                    ));
                }
                Command::RuleChange { switch, rule }
            }
            RuleCmd::Del { switch, args } => {
                let path = ["rule", "del"];
                let usage = "vflowctl rule del SWITCH id N";
                if is_help(&switch) {
                    return Ok(help_of(&path));
                }
                let Some(mut kw) =
                    keywords(&args, &["id"]).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                let id = kw
                    .remove("id")
                    .ok_or_else(|| usage_error(&path, usage, "\"id N\" is required"))?;
                let id = parse_num("rule id", &id, 1, u32::MAX.into())
                    .map_err(|m| usage_error(&path, usage, m))? as u32;
                Command::RuleDel { switch, id }
            }
            RuleCmd::Show { switch, args } => {
                let path = ["rule", "show"];
                let usage = "vflowctl rule show SWITCH [id N] [layer NAME]";
                if is_help(&switch) {
                    return Ok(help_of(&path));
                }
                let Some(mut kw) =
                    keywords(&args, &["id", "layer"]).map_err(|m| usage_error(&path, usage, m))?
                else {
                    return Ok(help_of(&path));
                };
                let id = kw
                    .remove("id")
                    .map(|id| parse_num("rule id", &id, 1, u32::MAX.into()).map(|v| v as u32))
                    .transpose()
                    .map_err(|m| usage_error(&path, usage, m))?;
                Command::RuleShow {
                    switch,
                    id,
                    layer: kw.remove("layer"),
                }
            }
        },
        Object::Layer { cmd } => {
            let (path, usage, switch, args) = match &cmd {
                LayerCmd::Add { switch, args } => (
                    ["layer", "add"],
                    "vflowctl layer add SWITCH NAME [out-default allow|deny] [in-default allow|deny]",
                    switch,
                    args,
                ),
                LayerCmd::Set { switch, args } => (
                    ["layer", "set"],
                    "vflowctl layer set SWITCH NAME [out-default allow|deny] [in-default allow|deny]",
                    switch,
                    args,
                ),
                LayerCmd::Del { switch, args } => {
                    (["layer", "del"], "vflowctl layer del SWITCH NAME", switch, args)
                }
                LayerCmd::Show { switch, args } => {
                    (["layer", "show"], "vflowctl layer show SWITCH [NAME]", switch, args)
                }
                LayerCmd::Bind { switch, args } => (
                    ["layer", "bind"],
                    "vflowctl layer bind SWITCH NAME out|in IDLIST",
                    switch,
                    args,
                ),
                LayerCmd::Unbind { switch, args } => (
                    ["layer", "unbind"],
                    "vflowctl layer unbind SWITCH NAME out|in IDLIST",
                    switch,
                    args,
                ),
            };
            if is_help(switch) || args.iter().any(|a| is_help(a)) {
                return Ok(help_of(&path));
            }
            let switch = switch.clone();
            let err = |m: String| usage_error(&path, usage, m);
            match cmd {
                LayerCmd::Add { args, .. } | LayerCmd::Set { args, .. } => {
                    let set = path[1] == "set";
                    let req = layer_args(switch, &args, set)
                        .map_err(err)?
                        .expect("help handled above");
                    if set {
                        Command::LayerSet(req)
                    } else {
                        Command::LayerAdd(req)
                    }
                }
                LayerCmd::Del { args, .. } => match args.as_slice() {
                    [name] => Command::LayerDel {
                        switch,
                        name: name.clone(),
                    },
                    [] => return Err(err("the layer NAME is required".into())),
                    [_, x, ..] => return Err(err(format!("unknown argument \"{x}\""))),
                },
                LayerCmd::Show { args, .. } => match args.as_slice() {
                    [] => Command::LayerShow { switch, name: None },
                    [name] => Command::LayerShow {
                        switch,
                        name: Some(name.clone()),
                    },
                    [_, x, ..] => return Err(err(format!("unknown argument \"{x}\""))),
                },
                LayerCmd::Bind { args, .. } | LayerCmd::Unbind { args, .. } => {
                    let (name, lists) = bind_args(&args).map_err(err)?.expect("help handled above");
                    Command::LayerBind {
                        switch,
                        name,
                        lists,
                        unbind: path[1] == "unbind",
                    }
                }
            }
        }
        Object::Flow { cmd } => {
            let (path, usage, switch, args) = match cmd {
                FlowCmd::Show { switch, args } => (
                    ["flow", "show"],
                    "vflowctl flow show SWITCH [port IFNAME]",
                    switch,
                    args,
                ),
                FlowCmd::Flush { switch, args } => (
                    ["flow", "flush"],
                    "vflowctl flow flush SWITCH [port IFNAME]",
                    switch,
                    args,
                ),
            };
            if is_help(&switch) {
                return Ok(help_of(&path));
            }
            let Some(dev) = flow_args(&args).map_err(|m| usage_error(&path, usage, m))? else {
                return Ok(help_of(&path));
            };
            if path[1] == "show" {
                Command::FlowShow { switch, dev }
            } else {
                Command::FlowFlush { switch, dev }
            }
        }
        Object::Explain { args } => {
            let Some(e) = flow::parse_explain(&args)
                .map_err(|m| usage_error(&["explain"], flow::EXPLAIN_USAGE, m))?
            else {
                return Ok(help_of(&["explain"]));
            };
            Command::Explain(e)
        }
    };
    Ok(Action::Run(opts, command))
}

/// A connection to the kernel and what it learned, reused by batch mode.
pub struct Ctx {
    nl: Vflow,
    /// Ports by device name (port-get replies), for in-port/out-port/port DEV.
    ports: HashMap<String, codec::Port>,
}

impl Ctx {
    pub fn connect() -> Result<Self, NlError> {
        Ok(Ctx {
            nl: Vflow::connect()?,
            ports: HashMap::new(),
        })
    }

    /// The port of device `dev` (port-get by ifname, cached).
    fn port(&mut self, dev: &str) -> Result<codec::Port, NlError> {
        if let Some(p) = self.ports.get(dev) {
            return Ok(p.clone());
        }
        let replies = self
            .nl
            .do_request(cmd::PORT_GET, codec::encode_port_ifname(dev))?;
        let r = replies
            .first()
            .ok_or_else(|| NlError::Malformed(format!("no reply to port-get of {dev}")))?;
        let p = codec::decode_port(r)?;
        self.ports.insert(dev.to_string(), p.clone());
        Ok(p)
    }

    /// The port id of device `dev`, which must be a port of `switch`.
    fn port_id(&mut self, switch: &str, dev: &str) -> Result<u32, NlError> {
        let p = self.port(dev)?;
        if p.switch != switch {
            return Err(NlError::Client(format!(
                "{dev} is not a port of switch {switch} (it is a port of {})",
                p.switch
            )));
        }
        p.id.ok_or_else(|| NlError::Malformed(format!("port-get of {dev}: no port id")))
    }

    /// Port id -> device name, for the ports of `switch`.
    fn port_names(&mut self, switch: &str) -> Result<HashMap<u32, String>, NlError> {
        let replies = self
            .nl
            .dump(cmd::PORT_GET, codec::encode_port_dump(Some(switch)))?;
        let mut out = HashMap::new();
        for r in &replies {
            let p = codec::decode_port(r)?;
            if p.switch != switch {
                continue;
            }
            if let Some(id) = p.id {
                if let Some(n) = p.ifname.clone().or_else(|| nl::ifindex_to_name(p.ifindex)) {
                    out.insert(id, n);
                }
            }
        }
        Ok(out)
    }

    fn forget_ports(&mut self) {
        self.ports.clear();
    }
}

/// `RULE_NEW`/`RULE_SET`, with the match's devices resolved to port ids.
fn send_rule(ctx: &mut Ctx, c: u8, switch: &str, mut rule: RuleArgs) -> Result<(), NlError> {
    if let Some(m) = &mut rule.matches {
        m.resolve_ports(|dev| ctx.port_id(switch, dev))?;
    }
    let attrs = rule::encode_rule(switch, &rule).map_err(NlError::Client)?;
    ctx.nl.do_request(c, attrs)?;
    Ok(())
}

/// Carry a command out; returns what to print on stdout.
pub fn run(ctx: &mut Ctx, o: Opts, command: Command) -> Result<String, NlError> {
    let out = match command {
        Command::SwitchAdd { name, config } => {
            ctx.nl
                .do_request(cmd::SWITCH_NEW, codec::encode_switch_config(&name, &config))?;
            String::new()
        }
        Command::SwitchSet { name, config } => {
            ctx.nl
                .do_request(cmd::SWITCH_SET, codec::encode_switch_config(&name, &config))?;
            String::new()
        }
        Command::SwitchDel { name } => {
            ctx.forget_ports();
            ctx.nl
                .do_request(cmd::SWITCH_DEL, codec::encode_switch_name(&name))?;
            String::new()
        }
        Command::SwitchShow { name } => {
            let replies = match name {
                Some(n) => ctx
                    .nl
                    .do_request(cmd::SWITCH_GET, codec::encode_switch_name(&n))?,
                None => ctx.nl.dump(cmd::SWITCH_GET, codec::Attrs::new())?,
            };
            let list = replies
                .iter()
                .map(codec::decode_switch)
                .collect::<Result<Vec<_>, _>>()?;
            output::switches(&list, o)
        }
        Command::PortAdd(req) => {
            ctx.forget_ports();
            ctx.nl
                .do_request(cmd::PORT_NEW, codec::encode_port_new(&req))?;
            String::new()
        }
        Command::PortSet(req) => {
            ctx.nl
                .do_request(cmd::PORT_SET, codec::encode_port_set(&req))?;
            String::new()
        }
        Command::PortDel { dev } => {
            ctx.forget_ports();
            ctx.nl
                .do_request(cmd::PORT_DEL, codec::encode_port_ifname(&dev))?;
            String::new()
        }
        Command::PortShow { dev, switch } => {
            let replies = match &dev {
                Some(d) => ctx
                    .nl
                    .do_request(cmd::PORT_GET, codec::encode_port_ifname(d))?,
                None => ctx
                    .nl
                    .dump(cmd::PORT_GET, codec::encode_port_dump(switch.as_deref()))?,
            };
            let mut list = replies
                .iter()
                .map(codec::decode_port)
                .collect::<Result<Vec<_>, _>>()?;
            if dev.is_some() {
                // The do-request has no switch filter: apply it here.
                if let Some(s) = &switch {
                    list.retain(|p| &p.switch == s);
                }
            }
            for p in &mut list {
                if p.ifname.is_none() {
                    p.ifname = nl::ifindex_to_name(p.ifindex);
                }
            }
            output::ports(&list, o)
        }
        Command::FdbShow { switch } => {
            let replies = ctx
                .nl
                .dump(cmd::FDB_GET, codec::encode_fdb_dump(switch.as_deref()))?;
            let mut list = replies
                .iter()
                .map(codec::decode_fdb)
                .collect::<Result<Vec<_>, _>>()?;
            for f in &mut list {
                f.ifname = nl::ifindex_to_name(f.ifindex);
            }
            output::fdbs(&list, o)
        }
        Command::RuleAdd { switch, rule } => {
            send_rule(ctx, cmd::RULE_NEW, &switch, rule)?;
            String::new()
        }
        Command::RuleChange { switch, rule } => {
            send_rule(ctx, cmd::RULE_SET, &switch, rule)?;
            String::new()
        }
        Command::RuleDel { switch, id } => {
            ctx.nl.do_request(
                cmd::RULE_DEL,
                rule::encode_rule_key(&switch, Some(id), None),
            )?;
            String::new()
        }
        Command::RuleShow { switch, id, layer } => {
            let replies = match id {
                Some(id) => ctx.nl.do_request(
                    cmd::RULE_GET,
                    rule::encode_rule_key(&switch, Some(id), None),
                )?,
                None => ctx.nl.dump(
                    cmd::RULE_GET,
                    rule::encode_rule_key(&switch, None, layer.as_deref()),
                )?,
            };
            let mut list = replies
                .iter()
                .map(rule::decode_rule)
                .collect::<Result<Vec<_>, _>>()?;
            if id.is_some() {
                if let Some(l) = &layer {
                    list.retain(|r| r.layer.as_deref().is_none_or(|x| x == l));
                }
            }
            if list
                .iter()
                .any(|r| r.matches_.in_port.is_some() || r.matches_.out_port.is_some())
            {
                let names = ctx.port_names(&switch)?;
                for r in &mut list {
                    r.matches_.name_ports(|id| names.get(&id).cloned());
                }
            }
            output::rules(&list, o)
        }
        Command::LayerAdd(req) => {
            ctx.nl
                .do_request(cmd::LAYER_NEW, codec::encode_layer(&req))?;
            String::new()
        }
        Command::LayerSet(req) => {
            ctx.nl
                .do_request(cmd::LAYER_SET, codec::encode_layer(&req))?;
            String::new()
        }
        Command::LayerDel { switch, name } => {
            ctx.nl.do_request(
                cmd::LAYER_DEL,
                codec::encode_layer_name(&switch, Some(&name)),
            )?;
            String::new()
        }
        Command::LayerShow { switch, name } => {
            let replies = match &name {
                Some(n) => ctx
                    .nl
                    .do_request(cmd::LAYER_GET, codec::encode_layer_name(&switch, Some(n)))?,
                None => ctx
                    .nl
                    .dump(cmd::LAYER_GET, codec::encode_layer_name(&switch, None))?,
            };
            let list = replies
                .iter()
                .map(codec::decode_layer)
                .collect::<Result<Vec<_>, _>>()?;
            output::layers(&list, o)
        }
        Command::LayerBind {
            switch,
            name,
            lists,
            unbind,
        } => {
            let c = if unbind {
                cmd::LAYER_UNBIND
            } else {
                cmd::LAYER_BIND
            };
            for (dir, ids) in &lists {
                for req in codec::encode_layer_bind(&switch, &name, *dir, ids) {
                    ctx.nl.do_request(c, req)?;
                }
            }
            String::new()
        }
        Command::FlowShow { switch, dev } => {
            let in_port = dev.map(|d| ctx.port_id(&switch, &d)).transpose()?;
            let replies = ctx
                .nl
                .dump(cmd::FLOW_GET, flow::encode_flow_filter(&switch, in_port))?;
            let mut list = replies
                .iter()
                .map(flow::decode_flow)
                .collect::<Result<Vec<_>, _>>()?;
            if !list.is_empty() {
                let names = ctx.port_names(&switch)?;
                for f in &mut list {
                    f.in_dev = names.get(&f.in_port).cloned();
                    f.out_dev = f.out_port.and_then(|p| names.get(&p).cloned());
                }
            }
            output::flows(&list, o)
        }
        Command::FlowFlush { switch, dev } => {
            let in_port = dev.map(|d| ctx.port_id(&switch, &d)).transpose()?;
            ctx.nl
                .do_request(cmd::FLOW_FLUSH, flow::encode_flow_filter(&switch, in_port))?;
            String::new()
        }
        Command::Explain(e) => {
            let p = ctx.port(&e.dev)?;
            let id = p
                .id
                .ok_or_else(|| NlError::Malformed(format!("port-get of {}: no port id", e.dev)))?;
            let replies = ctx.nl.do_request(
                cmd::EXPLAIN,
                flow::encode_explain(&p.switch, id, e.direction, &e.key),
            )?;
            let r = replies
                .first()
                .ok_or_else(|| NlError::Malformed("explain: no reply".into()))?;
            let mut ex = flow::decode_explain(r)?;
            let names = ctx.port_names(&p.switch)?;
            ex.name_ports(|id| names.get(&id).cloned());
            output::explain(&ex, o)
        }
    };
    Ok(out)
}

fn main() -> ExitCode {
    match parse(std::env::args_os()) {
        Err(UsageError(msg)) => {
            eprint!("{msg}");
            ExitCode::from(1)
        }
        Ok(Action::Print(text)) => write_stdout(&text),
        Ok(Action::Batch { opts, file, force }) => batch::run_file(opts, &file, force),
        Ok(Action::Run(opts, command)) => {
            match Ctx::connect().and_then(|mut ctx| run(&mut ctx, opts, command)) {
                Ok(text) => write_stdout(&text),
                Err(e) => {
                    eprintln!("Error: {e}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn write_stdout(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`| head`) is not an error of ours.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: cannot write output: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &str) -> Result<Action, UsageError> {
        let mut v = vec!["vflowctl"];
        v.extend(args.split_whitespace());
        parse(v)
    }

    fn run_of(args: &str) -> (Opts, Command) {
        match p(args) {
            Ok(Action::Run(o, c)) => (o, c),
            other => panic!("{args}: {other:?}"),
        }
    }

    fn cmd_of(args: &str) -> Command {
        run_of(args).1
    }

    fn err_of(args: &str) -> String {
        match p(args) {
            Err(UsageError(m)) => m,
            other => panic!("{args}: expected a usage error, got {other:?}"),
        }
    }

    fn help_of_args(args: &str) -> String {
        match p(args) {
            Ok(Action::Print(t)) => t,
            other => panic!("{args}: expected help, got {other:?}"),
        }
    }

    const NONE: Opts = Opts {
        json: false,
        pretty: false,
        stats: false,
    };

    #[test]
    fn switch_commands() {
        assert_eq!(
            cmd_of("switch add sw0"),
            Command::SwitchAdd {
                name: "sw0".into(),
                config: SwitchConfig::default()
            }
        );
        assert_eq!(
            cmd_of("switch del sw0"),
            Command::SwitchDel { name: "sw0".into() }
        );
        assert_eq!(
            cmd_of("switch delete sw0"),
            Command::SwitchDel { name: "sw0".into() }
        );
        assert_eq!(cmd_of("switch show"), Command::SwitchShow { name: None });
        assert_eq!(cmd_of("switch list"), Command::SwitchShow { name: None });
        assert_eq!(
            cmd_of("switch show sw0"),
            Command::SwitchShow {
                name: Some("sw0".into())
            }
        );
        // Too long for the kernel, but the kernel is the one to say so.
        assert_eq!(
            cmd_of("switch add abcdefghijklmnop"),
            Command::SwitchAdd {
                name: "abcdefghijklmnop".into(),
                config: SwitchConfig::default()
            }
        );
    }

    #[test]
    fn global_flags() {
        assert_eq!(run_of("switch show").0, NONE);
        let (o, _) = run_of("-j switch show");
        assert_eq!(o, Opts { json: true, ..NONE });
        let (o, _) = run_of("-j -p -s port show");
        assert_eq!(
            o,
            Opts {
                json: true,
                pretty: true,
                stats: true
            }
        );
        let (o, _) = run_of("-jps fdb show");
        assert_eq!(
            o,
            Opts {
                json: true,
                pretty: true,
                stats: true
            }
        );
        let (o, _) = run_of("--json --pretty --stats switch show sw0");
        assert_eq!(
            o,
            Opts {
                json: true,
                pretty: true,
                stats: true
            }
        );
        let (o, _) = run_of("-s switch show");
        assert_eq!(
            o,
            Opts {
                stats: true,
                ..NONE
            }
        );
    }

    #[test]
    fn port_add() {
        assert_eq!(
            cmd_of("port add sw0 dev veth0"),
            Command::PortAdd(PortNew {
                switch: "sw0".into(),
                ifname: "veth0".into(),
                port_type: None,
                mac: None
            })
        );
        assert_eq!(
            cmd_of("port add sw0 dev veth0 type vm mac 02:00:00:00:00:01"),
            Command::PortAdd(PortNew {
                switch: "sw0".into(),
                ifname: "veth0".into(),
                port_type: Some(PortType::Vm),
                mac: Some(Mac([2, 0, 0, 0, 0, 1]))
            })
        );
        // keywords in any order
        assert_eq!(
            cmd_of("port add sw0 mac 02:00:00:00:00:01 type uplink dev eth0"),
            Command::PortAdd(PortNew {
                switch: "sw0".into(),
                ifname: "eth0".into(),
                port_type: Some(PortType::Uplink),
                mac: Some(Mac([2, 0, 0, 0, 0, 1]))
            })
        );
    }

    #[test]
    fn port_add_errors() {
        let e = err_of("port add sw0 dev veth0 mac zz:00:00:00:00:01");
        assert!(
            e.starts_with(
                "Error: invalid MAC address \"zz:00:00:00:00:01\" (expected XX:XX:XX:XX:XX:XX)\n"
            ),
            "{e}"
        );
        let e = err_of("port add sw0 dev veth0 mac 02:00:00:00:00");
        assert!(e.starts_with("Error: invalid MAC address"), "{e}");
        let e = err_of("port add sw0 dev veth0 type trunk");
        assert!(
            e.starts_with("Error: invalid port type \"trunk\" (expected vm or uplink)\n"),
            "{e}"
        );
        let e = err_of("port add sw0");
        assert!(e.starts_with("Error: \"dev IFNAME\" is required\n"), "{e}");
        assert!(
            e.contains("Usage: vflowctl port add SWITCH dev IFNAME"),
            "{e}"
        );
        let e = err_of("port add sw0 type vm");
        assert!(e.starts_with("Error: \"dev IFNAME\" is required\n"), "{e}");
        let e = err_of("port add sw0 dev");
        assert!(e.starts_with("Error: \"dev\" needs a value\n"), "{e}");
        let e = err_of("port add sw0 dev a dev b");
        assert!(
            e.starts_with("Error: \"dev\" given more than once\n"),
            "{e}"
        );
        let e = err_of("port add sw0 dev a vlan 5");
        assert!(
            e.starts_with(
                "Error: unknown argument \"vlan\" (expected \"dev\" or \"type\" or \"mac\")\n"
            ),
            "{e}"
        );
        let e = err_of("port add");
        assert!(e.contains("SWITCH"), "{e}");
    }

    #[test]
    fn port_del() {
        assert_eq!(
            cmd_of("port del dev veth0"),
            Command::PortDel {
                dev: "veth0".into()
            }
        );
        assert_eq!(
            cmd_of("port delete dev veth0"),
            Command::PortDel {
                dev: "veth0".into()
            }
        );
        assert!(err_of("port del").starts_with("Error: \"dev IFNAME\" is required\n"));
        assert!(err_of("port del veth0").starts_with("Error: unknown argument \"veth0\""));
        assert!(err_of("port del dev veth0 switch sw0").starts_with("Error: unknown argument"));
    }

    #[test]
    fn port_show() {
        assert_eq!(
            cmd_of("port show"),
            Command::PortShow {
                dev: None,
                switch: None
            }
        );
        assert_eq!(
            cmd_of("port list switch sw0"),
            Command::PortShow {
                dev: None,
                switch: Some("sw0".into())
            }
        );
        assert_eq!(
            cmd_of("port show dev veth0"),
            Command::PortShow {
                dev: Some("veth0".into()),
                switch: None
            }
        );
        assert_eq!(
            cmd_of("port show switch sw0 dev veth0"),
            Command::PortShow {
                dev: Some("veth0".into()),
                switch: Some("sw0".into())
            }
        );
        assert!(err_of("port show mac 02:00:00:00:00:01").starts_with("Error: unknown argument"));
        assert!(err_of("port show switch").starts_with("Error: \"switch\" needs a value"));
    }

    #[test]
    fn fdb_show() {
        assert_eq!(cmd_of("fdb show"), Command::FdbShow { switch: None });
        assert_eq!(
            cmd_of("fdb show switch sw0"),
            Command::FdbShow {
                switch: Some("sw0".into())
            }
        );
        assert!(err_of("fdb show dev veth0").starts_with("Error: unknown argument \"dev\""));
        assert!(err_of("fdb show sw0").starts_with("Error: unknown argument \"sw0\""));
    }

    #[test]
    fn grammar_errors() {
        // unknown object / command, flags after the object, missing parts
        assert!(err_of("bridge show").contains("bridge"));
        assert!(err_of("switch frob").contains("frob"));
        assert!(err_of("switch add").contains("NAME"));
        assert!(err_of("switch del").contains("NAME"));
        assert!(err_of("switch add a b").contains("unknown argument \"b\""));
        assert!(err_of("switch show a b").contains("'b'"));
        assert!(err_of("fdb add x").contains("add"));
        assert!(err_of("switch show -j").contains("-j"));
        assert!(err_of("-x switch show").contains("-x"));
        // nothing at all, or an object without a command: usage on stderr
        assert!(err_of("").contains("Usage: vflowctl"));
        assert!(err_of("port").contains("Usage:"));
    }

    #[test]
    fn help_everywhere() {
        let top = help_of_args("--help");
        assert!(top.contains("Usage: vflowctl [-j|--json]"), "{top}");
        assert!(top.contains("port add SWITCH dev IFNAME"), "{top}");
        assert_eq!(help_of_args("-h"), help_of_args("help"));
        assert!(help_of_args("switch help").contains("add"));
        assert!(help_of_args("switch --help").contains("show"));
        assert!(help_of_args("port -h").contains("del"));
        assert!(help_of_args("fdb help").contains("show"));
        assert!(help_of_args("help port").contains("Attach"));
        for (args, usage) in [
            ("switch add help", "Usage: vflowctl switch add NAME"),
            ("switch add -h", "Usage: vflowctl switch add NAME"),
            ("switch del help", "Usage: vflowctl switch del NAME"),
            ("switch show help", "Usage: vflowctl switch show [NAME]"),
            ("switch show --help", "Usage: vflowctl switch show [NAME]"),
            (
                "port add help",
                "Usage: vflowctl port add SWITCH dev IFNAME",
            ),
            (
                "port add sw0 help",
                "Usage: vflowctl port add SWITCH dev IFNAME",
            ),
            ("port add -h", "Usage: vflowctl port add SWITCH dev IFNAME"),
            ("port del help", "Usage: vflowctl port del dev IFNAME"),
            ("port del -h", "Usage: vflowctl port del dev IFNAME"),
            (
                "port show help",
                "Usage: vflowctl port show [dev IFNAME] [switch NAME]",
            ),
            ("port show dev x help", "Usage: vflowctl port show"),
            ("port show --help", "Usage: vflowctl port show"),
            ("fdb show help", "Usage: vflowctl fdb show [switch NAME]"),
            ("fdb show -h", "Usage: vflowctl fdb show [switch NAME]"),
            ("help switch add", "Usage: vflowctl switch add NAME"),
            ("port help add", "Usage: vflowctl port add SWITCH"),
        ] {
            let h = help_of_args(args);
            assert!(h.contains(usage), "{args}: {h}");
        }
    }

    #[test]
    fn version() {
        let v = help_of_args("--version");
        assert_eq!(v, format!("vflowctl {}\n", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
    // -- issue 3 commands ---------------------------------------------------

    #[test]
    fn switch_config_commands() {
        assert_eq!(
            cmd_of("switch add sw0 max-flows 1000 port-max-flows 10 limit-action drop timeout udp 5 timeout tcp-est 600"),
            Command::SwitchAdd {
                name: "sw0".into(),
                config: SwitchConfig {
                    max_flows: Some(1000),
                    port_max_flows: Some(10),
                    limit_action: Some(LimitAction::Drop),
                    udp_timeout: Some(5),
                    tcp_est_timeout: Some(600),
                    ..Default::default()
                }
            }
        );
        for (i, class) in TIMEOUT_CLASSES.iter().enumerate() {
            let Command::SwitchSet { config, .. } =
                cmd_of(&format!("switch set sw0 timeout {class} 9"))
            else {
                panic!("not a switch set");
            };
            assert_eq!(config.timeouts()[i], Some(9), "{class}");
        }
        for (args, msg) in [
            ("switch set sw0", "nothing to change"),
            (
                "switch add sw0 max-flows 0",
                "invalid max-flows \"0\" (expected a number 1-4194304)",
            ),
            ("switch add sw0 max-flows 4194305", "invalid max-flows"),
            ("switch add sw0 port-max-flows 0", "invalid port-max-flows"),
            (
                "switch add sw0 limit-action reject",
                "invalid limit action \"reject\" (expected uncached or drop)",
            ),
            (
                "switch add sw0 timeout tcp 5",
                "invalid timeout class \"tcp\"",
            ),
            (
                "switch add sw0 timeout udp",
                "\"timeout udp\" needs a number of seconds",
            ),
            ("switch add sw0 timeout udp 0", "invalid timeout udp \"0\""),
            (
                "switch add sw0 timeout udp 1 timeout udp 2",
                "\"timeout udp\" given more than once",
            ),
            (
                "switch add sw0 max-flows 1 max-flows 2",
                "\"max-flows\" given more than once",
            ),
            ("switch set sw0 frob 1", "unknown argument \"frob\""),
        ] {
            let e = err_of(args);
            assert!(e.contains(msg), "{args}: {e}");
        }
    }

    #[test]
    fn port_set_command() {
        let want = PortSet {
            ifname: "vm1".into(),
            layers: Some(vec!["acl".into(), "web".into()]),
            max_flows: None,
        };
        assert_eq!(
            cmd_of("port set vm1 layers acl,web"),
            Command::PortSet(want.clone())
        );
        assert_eq!(
            cmd_of("port set dev vm1 layers acl,web"),
            Command::PortSet(want)
        );
        assert_eq!(
            cmd_of("port set vm1 layers none max-flows 0"),
            Command::PortSet(PortSet {
                ifname: "vm1".into(),
                layers: Some(vec![]),
                max_flows: Some(0)
            })
        );
        // a device named "dev"
        assert_eq!(
            cmd_of("port set dev max-flows 4"),
            Command::PortSet(PortSet {
                ifname: "dev".into(),
                layers: None,
                max_flows: Some(4)
            })
        );
        for (args, msg) in [
            ("port set", "the device IFNAME is required"),
            ("port set vm1", "nothing to change"),
            (
                "port set vm1 layers a,,b",
                "invalid layer list \"a,,b\" (empty name)",
            ),
            (
                "port set vm1 layers 1,2,3,4,5,6,7,8,9",
                "too many layers (9; a port holds at most 8)",
            ),
            ("port set vm1 max-flows x", "invalid max-flows \"x\""),
            ("port set vm1 mtu 5", "unknown argument \"mtu\""),
        ] {
            let e = err_of(args);
            assert!(e.contains(msg), "{args}: {e}");
        }
        assert!(help_of_args("port set vm1 help").contains("Usage: vflowctl port set"));
    }

    #[test]
    fn rule_commands() {
        let Command::RuleAdd { switch, rule } = cmd_of("rule add sw0 id 10 prio 5 in-port vm1 proto tcp dst-port 80 tcp-flags +syn-ack action allow count") else {
            panic!()
        };
        assert_eq!(switch, "sw0");
        assert_eq!(rule.id, 10);
        assert_eq!(
            rule.matches.unwrap().to_string(),
            "in-port vm1 proto tcp dst-port 80 tcp-flags +syn-ack"
        );
        assert!(matches!(
            cmd_of("rule change sw0 id 10 prio 1"),
            Command::RuleChange { .. }
        ));
        assert!(matches!(
            cmd_of("rule set sw0 id 10 deny"),
            Command::RuleChange { .. }
        ));
        assert_eq!(
            cmd_of("rule del sw0 id 10"),
            Command::RuleDel {
                switch: "sw0".into(),
                id: 10
            }
        );
        assert_eq!(
            cmd_of("rule delete sw0 id 10"),
            Command::RuleDel {
                switch: "sw0".into(),
                id: 10
            }
        );
        assert_eq!(
            cmd_of("rule show sw0"),
            Command::RuleShow {
                switch: "sw0".into(),
                id: None,
                layer: None
            }
        );
        assert_eq!(
            cmd_of("rule list sw0 layer acl id 3"),
            Command::RuleShow {
                switch: "sw0".into(),
                id: Some(3),
                layer: Some("acl".into())
            }
        );
        for (args, msg) in [
            (
                "rule add sw0 id 1",
                "\"action allow\" or \"action deny\" is required",
            ),
            ("rule change sw0 id 1", "nothing to change"),
            ("rule del sw0", "\"id N\" is required"),
            ("rule del sw0 id 0", "invalid rule id \"0\""),
            ("rule show sw0 id x", "invalid rule id \"x\""),
            ("rule show sw0 port x", "unknown argument \"port\""),
        ] {
            let e = err_of(args);
            assert!(e.contains(msg), "{args}: {e}");
            assert!(e.contains("Usage: vflowctl rule"), "{args}: {e}");
        }
        // a tcp-flags value starting with '-' is a value, not an option
        let Command::RuleAdd { rule, .. } =
            cmd_of("rule add sw0 id 2 proto tcp tcp-flags -syn-ack deny")
        else {
            panic!()
        };
        assert_eq!(rule.matches.unwrap().tcp_flags, Some((0, Some(0x12))));
    }

    #[test]
    fn layer_commands() {
        assert_eq!(
            cmd_of("layer add sw0 acl out-default deny"),
            Command::LayerAdd(LayerReq {
                switch: "sw0".into(),
                name: "acl".into(),
                out_default: Some(Verdict::Deny),
                in_default: None
            })
        );
        assert_eq!(
            cmd_of("layer set sw0 acl in-default allow"),
            Command::LayerSet(LayerReq {
                switch: "sw0".into(),
                name: "acl".into(),
                out_default: None,
                in_default: Some(Verdict::Allow)
            })
        );
        assert_eq!(
            cmd_of("layer del sw0 acl"),
            Command::LayerDel {
                switch: "sw0".into(),
                name: "acl".into()
            }
        );
        assert_eq!(
            cmd_of("layer show sw0"),
            Command::LayerShow {
                switch: "sw0".into(),
                name: None
            }
        );
        assert_eq!(
            cmd_of("layer list sw0 acl"),
            Command::LayerShow {
                switch: "sw0".into(),
                name: Some("acl".into())
            }
        );
        assert_eq!(
            cmd_of("layer bind sw0 acl out 10,12,100-102"),
            Command::LayerBind {
                switch: "sw0".into(),
                name: "acl".into(),
                lists: vec![(Direction::Out, vec![10, 12, 100, 101, 102])],
                unbind: false
            }
        );
        assert_eq!(
            cmd_of("layer unbind sw0 acl in 5 out 6"),
            Command::LayerBind {
                switch: "sw0".into(),
                name: "acl".into(),
                lists: vec![(Direction::In, vec![5]), (Direction::Out, vec![6])],
                unbind: true
            }
        );
        for (args, msg) in [
            ("layer add sw0", "the layer NAME is required"),
            (
                "layer add sw0 acl out-default maybe",
                "invalid verdict \"maybe\"",
            ),
            ("layer set sw0 acl", "nothing to change"),
            ("layer del sw0", "the layer NAME is required"),
            ("layer del sw0 a b", "unknown argument \"b\""),
            ("layer show sw0 a b", "unknown argument \"b\""),
            (
                "layer bind sw0 acl",
                "\"out IDLIST\" or \"in IDLIST\" is required",
            ),
            ("layer bind sw0 acl up 1", "invalid direction \"up\""),
            ("layer bind sw0 acl out", "\"out\" needs a rule id list"),
            (
                "layer bind sw0 acl out 1 out 2",
                "\"out\" given more than once",
            ),
            ("layer bind sw0 acl out 5-1", "invalid rule id range"),
            ("layer unbind sw0 acl in 0", "invalid rule id \"0\""),
        ] {
            let e = err_of(args);
            assert!(e.contains(msg), "{args}: {e}");
            assert!(e.contains("Usage: vflowctl layer"), "{args}: {e}");
        }
    }

    #[test]
    fn flow_and_explain_commands() {
        assert_eq!(
            cmd_of("flow show sw0"),
            Command::FlowShow {
                switch: "sw0".into(),
                dev: None
            }
        );
        assert_eq!(
            cmd_of("flow list sw0 port vm1"),
            Command::FlowShow {
                switch: "sw0".into(),
                dev: Some("vm1".into())
            }
        );
        assert_eq!(
            cmd_of("flow flush sw0 port vm1"),
            Command::FlowFlush {
                switch: "sw0".into(),
                dev: Some("vm1".into())
            }
        );
        assert!(err_of("flow show sw0 dev vm1").contains("unknown argument \"dev\""));
        let Command::Explain(e) = cmd_of("explain port vm1 out tcp 10.0.0.1:1234 -> 10.0.0.2:80")
        else {
            panic!()
        };
        assert_eq!((e.dev.as_str(), e.direction), ("vm1", Direction::Out));
        let e = err_of("explain port vm1 out tcp 10.0.0.1:1234 -");
        assert!(e.contains("quote '->' in a shell"), "{e}");
        assert!(e.contains("Usage: vflowctl explain port IFNAME"), "{e}");
    }

    #[test]
    fn batch_and_force_options() {
        let b = |s: &str| match p(s) {
            Ok(Action::Batch { opts, file, force }) => (opts, file, force),
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(b("-b rules.txt"), (NONE, "rules.txt".into(), false));
        assert_eq!(b("-batch -"), (NONE, "-".into(), false));
        assert_eq!(b("--batch f -force"), (NONE, "f".into(), true));
        assert_eq!(
            b("-force -j -b f"),
            (Opts { json: true, ..NONE }, "f".into(), true)
        );
        assert!(err_of("-b f switch show").contains("-b FILE takes no command"));
        assert!(err_of("-force switch show").contains("-force only makes sense with -b FILE"));
        assert!(err_of("-j").contains("an OBJECT (or -b FILE) is required"));
        assert!(err_of("-b").contains("FILE"));
        // -force after the object is not an option of ours
        assert!(err_of("switch show -force").contains("unexpected argument '-f'"));
    }

    #[test]
    fn help_for_every_new_command() {
        for (args, usage) in [
            ("switch set help", "Usage: vflowctl switch set NAME"),
            (
                "switch add sw0 help",
                "Usage: vflowctl switch add NAME [max-flows N]",
            ),
            ("port set help", "Usage: vflowctl port set [dev] IFNAME"),
            ("rule help", "Usage: vflowctl rule"),
            ("rule add help", "Usage: vflowctl rule add SWITCH id N"),
            (
                "rule add sw0 id 1 help",
                "Usage: vflowctl rule add SWITCH id N",
            ),
            ("rule change -h", "Usage: vflowctl rule change SWITCH"),
            ("rule del help", "Usage: vflowctl rule del SWITCH id N"),
            ("rule show help", "Usage: vflowctl rule show SWITCH"),
            ("layer help", "Usage: vflowctl layer"),
            ("layer add help", "Usage: vflowctl layer add SWITCH NAME"),
            (
                "layer set sw0 help",
                "Usage: vflowctl layer set SWITCH NAME",
            ),
            ("layer del help", "Usage: vflowctl layer del SWITCH NAME"),
            ("layer show help", "Usage: vflowctl layer show SWITCH"),
            (
                "layer bind help",
                "Usage: vflowctl layer bind SWITCH NAME out|in IDLIST",
            ),
            (
                "layer unbind sw0 acl -h",
                "Usage: vflowctl layer unbind SWITCH NAME",
            ),
            ("flow help", "Usage: vflowctl flow"),
            (
                "flow show help",
                "Usage: vflowctl flow show SWITCH [port IFNAME]",
            ),
            ("flow flush --help", "Usage: vflowctl flow flush SWITCH"),
            (
                "explain help",
                "Usage: vflowctl explain port IFNAME out|in PROTO",
            ),
            ("explain --help", "Usage: vflowctl explain port IFNAME"),
            ("explain -h", "Usage: vflowctl explain port IFNAME"),
            (
                "explain port vm1 help",
                "Usage: vflowctl explain port IFNAME",
            ),
            ("help explain", "Usage: vflowctl explain port IFNAME"),
        ] {
            let h = help_of_args(args);
            assert!(h.contains(usage), "{args}: {h}");
        }
        let top = help_of_args("--help");
        for s in [
            "rule add SWITCH",
            "layer bind",
            "flow show",
            "explain port",
            "-b FILE",
            "tcp-flags",
        ] {
            assert!(top.contains(s), "{s}: {top}");
        }
        assert!(help_of_args("rule add help").contains("+syn-ack"));
        assert!(help_of_args("layer bind help").contains("8191"));
    }
}
