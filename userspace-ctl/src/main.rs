//! vflowctl: control CLI of the vflow virtual-switch datapath.
//!
//! ```text
//! vflowctl [-j|--json] [-p|--pretty] [-s|--stats] OBJECT COMMAND [ARGS]
//! ```
//!
//! OBJECT and COMMAND are clap subcommands; the iproute2-style keyword pairs
//! after them (`dev X type Y ...`) are parsed by hand in this file.

mod codec;
mod nl;
mod output;

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use codec::{cmd, Mac, PortNew, PortType};
use nl::{NlError, Vflow};
use output::Opts;

const GRAMMAR: &str = "\
Objects and commands:
  switch add NAME
  switch del NAME                        (alias: delete)
  switch show [NAME]                     (alias: list)
  port add SWITCH dev IFNAME [type vm|uplink] [mac XX:XX:XX:XX:XX:XX]
  port del dev IFNAME                    (alias: delete)
  port show [dev IFNAME] [switch NAME]   (alias: list)
  fdb show [switch NAME]                 (alias: list)

`help`, -h or --help after any object or command shows its help.
Exit status: 0 on success, 1 on any error (usage, kernel, missing module).
See vflowctl(8).";

#[derive(Parser, Debug)]
#[command(
    name = "vflowctl",
    version,
    about = "Control the vflow virtual-switch datapath (generic netlink family \"vflow\")",
    override_usage = "vflowctl [-j|--json] [-p|--pretty] [-s|--stats] OBJECT COMMAND [ARGS]",
    after_help = GRAMMAR,
    subcommand_required = true,
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
    #[command(subcommand)]
    object: Object,
}

#[derive(Subcommand, Debug)]
enum Object {
    /// Create, delete and show switches
    #[command(
        subcommand_required = true,
        arg_required_else_help = true,
        subcommand_value_name = "COMMAND"
    )]
    Switch {
        #[command(subcommand)]
        cmd: SwitchCmd,
    },
    /// Attach, detach and show ports
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
}

#[derive(Subcommand, Debug)]
enum SwitchCmd {
    /// Create a switch
    #[command(override_usage = "vflowctl switch add NAME")]
    Add {
        /// Switch name (at most 15 bytes; the kernel checks)
        #[arg(value_name = "NAME")]
        name: String,
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

/// A fully validated command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    SwitchAdd {
        name: String,
    },
    SwitchDel {
        name: String,
    },
    SwitchShow {
        name: Option<String>,
    },
    PortAdd(PortNew),
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
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Talk to the kernel.
    Run(Opts, Command),
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

/// Parse a command line (including argv\[0\]).
pub fn parse<I, T>(argv: I) -> Result<Action, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
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
    let is_help = |s: &str| HELP_WORDS.contains(&s);
    let command = match cli.object {
        Object::Switch { cmd } => match cmd {
            SwitchCmd::Add { name } if is_help(&name) => return Ok(help_of(&["switch", "add"])),
            SwitchCmd::Add { name } => Command::SwitchAdd { name },
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
    };
    Ok(Action::Run(opts, command))
}

/// Carry a command out; returns what to print on stdout.
fn run(o: Opts, command: Command) -> Result<String, NlError> {
    let mut nl = Vflow::connect()?;
    let out = match command {
        Command::SwitchAdd { name } => {
            nl.do_request(cmd::SWITCH_NEW, codec::encode_switch_name(&name))?;
            String::new()
        }
        Command::SwitchDel { name } => {
            nl.do_request(cmd::SWITCH_DEL, codec::encode_switch_name(&name))?;
            String::new()
        }
        Command::SwitchShow { name } => {
            let replies = match name {
                Some(n) => nl.do_request(cmd::SWITCH_GET, codec::encode_switch_name(&n))?,
                None => nl.dump(cmd::SWITCH_GET, codec::Attrs::new())?,
            };
            let list = replies
                .iter()
                .map(codec::decode_switch)
                .collect::<Result<Vec<_>, _>>()?;
            output::switches(&list, o)
        }
        Command::PortAdd(req) => {
            nl.do_request(cmd::PORT_NEW, codec::encode_port_new(&req))?;
            String::new()
        }
        Command::PortDel { dev } => {
            nl.do_request(cmd::PORT_DEL, codec::encode_port_ifname(&dev))?;
            String::new()
        }
        Command::PortShow { dev, switch } => {
            let replies = match &dev {
                Some(d) => nl.do_request(cmd::PORT_GET, codec::encode_port_ifname(d))?,
                None => nl.dump(cmd::PORT_GET, codec::encode_port_dump(switch.as_deref()))?,
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
            let replies = nl.dump(cmd::FDB_GET, codec::encode_fdb_dump(switch.as_deref()))?;
            let mut list = replies
                .iter()
                .map(codec::decode_fdb)
                .collect::<Result<Vec<_>, _>>()?;
            for f in &mut list {
                f.ifname = nl::ifindex_to_name(f.ifindex);
            }
            output::fdbs(&list, o)
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
        Ok(Action::Run(opts, command)) => match run(opts, command) {
            Ok(text) => write_stdout(&text),
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::from(1)
            }
        },
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
            Command::SwitchAdd { name: "sw0".into() }
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
                name: "abcdefghijklmnop".into()
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
        assert!(err_of("switch add a b").contains("'b'"));
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
}
