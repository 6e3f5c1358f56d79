//! Runs the real binary: usage errors, help, version, and the error printed
//! when the kernel has no "vflow" generic netlink family.

use std::path::Path;
use std::process::{Command, Output};

fn vflowctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vflowctl"))
        .args(args)
        .output()
        .expect("run vflowctl")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

const ABSENT: &str =
    "Error: vflow module not loaded (generic netlink family \"vflow\" not found)\n";

fn vflow_loaded() -> bool {
    Path::new("/sys/module/vflow").exists()
}

#[test]
fn family_absent_is_a_clean_error() {
    if vflow_loaded() {
        eprintln!("skipped: the vflow module is loaded here");
        return;
    }
    for args in [
        &["switch", "show"][..],
        &["switch", "show", "sw0"],
        &["switch", "add", "sw0"],
        &["switch", "del", "sw0"],
        &["-j", "switch", "show"],
        &["-j", "-p", "-s", "port", "show"],
        &["port", "add", "sw0", "dev", "lo", "type", "uplink"],
        &["port", "del", "dev", "lo"],
        &["port", "show", "dev", "lo"],
        &["port", "show", "switch", "sw0"],
        &["fdb", "show"],
        &["fdb", "show", "switch", "sw0"],
        // too long for the kernel: not refused client-side
        &["switch", "add", "abcdefghijklmnop"],
        // issue 3
        &[
            "switch",
            "add",
            "sw0",
            "max-flows",
            "10",
            "timeout",
            "udp",
            "5",
        ],
        &["switch", "set", "sw0", "limit-action", "drop"],
        &["port", "set", "vm1", "layers", "acl,web"],
        &["port", "set", "vm1", "layers", "none"],
        &[
            "rule", "add", "sw0", "id", "1", "proto", "tcp", "action", "allow",
        ],
        &["rule", "add", "sw0", "id", "1", "in-port", "vm1", "deny"],
        &["rule", "change", "sw0", "id", "1", "prio", "5"],
        &["rule", "del", "sw0", "id", "1"],
        &["rule", "show", "sw0", "layer", "acl"],
        &["layer", "add", "sw0", "acl"],
        &["layer", "set", "sw0", "acl", "in-default", "deny"],
        &["layer", "del", "sw0", "acl"],
        &["layer", "show", "sw0"],
        &["layer", "bind", "sw0", "acl", "out", "1-20000"],
        &["layer", "unbind", "sw0", "acl", "in", "1"],
        &["flow", "show", "sw0"],
        &["flow", "flush", "sw0", "port", "vm1"],
        &[
            "explain",
            "port",
            "vm1",
            "out",
            "tcp",
            "10.0.0.1:1234",
            "->",
            "10.0.0.2:80",
        ],
    ] {
        let o = vflowctl(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&o), ABSENT, "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}

#[test]
fn usage_errors_exit_1_before_touching_the_kernel() {
    for (args, msg) in [
        (
            &[
                "port",
                "add",
                "sw0",
                "dev",
                "veth0",
                "mac",
                "02:00:00:00:00:zz",
            ][..],
            "Error: invalid MAC address \"02:00:00:00:00:zz\" (expected XX:XX:XX:XX:XX:XX)\n",
        ),
        (
            &["port", "add", "sw0", "dev", "veth0", "type", "bridge"],
            "Error: invalid port type \"bridge\" (expected vm or uplink)\n",
        ),
        (
            &["port", "add", "sw0"],
            "Error: \"dev IFNAME\" is required\n",
        ),
        (&["port", "del"], "Error: \"dev IFNAME\" is required\n"),
        (&["port", "show", "dev"], "Error: \"dev\" needs a value\n"),
        (
            &["fdb", "show", "dev", "x"],
            "Error: unknown argument \"dev\"",
        ),
        (
            &[
                "rule",
                "add",
                "sw0",
                "id",
                "1",
                "src-ip",
                "10.0.0.1/33",
                "allow",
            ],
            "Error: invalid src-ip prefix length \"33\" (expected a number 0-32)\n",
        ),
        (
            &["rule", "add", "sw0", "id", "1", "proto", "tcp"],
            "Error: \"action allow\" or \"action deny\" is required\n",
        ),
        (
            &["layer", "bind", "sw0", "acl", "out", "10,x"],
            "Error: invalid rule id \"x\"",
        ),
        (
            &["port", "set", "vm1"],
            "Error: nothing to change (give layers or max-flows)\n",
        ),
        (
            &["switch", "add", "sw0", "timeout", "tcp", "5"],
            "Error: invalid timeout class \"tcp\"",
        ),
        // what a shell passes for an unquoted `->`
        (
            &["explain", "port", "vm1", "out", "tcp", "10.0.0.1:1234", "-"],
            "Error: expected \"->\" between the addresses, not \"-\" (quote '->' in a shell)\n",
        ),
    ] {
        let o = vflowctl(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = stderr(&o);
        assert!(e.starts_with(msg), "{args:?}: {e}");
        assert!(e.contains("Usage: vflowctl "), "{args:?}: {e}");
        assert_eq!(stdout(&o), "");
    }
    for args in [
        &[][..],
        &["switch"],
        &["bogus", "show"],
        &["switch", "frob"],
        &["switch", "add"],
        &["switch", "show", "-j"],
        &["--bogus", "switch", "show"],
    ] {
        let o = vflowctl(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(!stderr(&o).is_empty(), "{args:?}");
        assert_eq!(stdout(&o), "", "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["switch", "help"],
        &["switch", "-h"],
        &["switch", "add", "help"],
        &["port", "--help"],
        &["port", "add", "help"],
        &["port", "add", "sw0", "help"],
        &["port", "del", "help"],
        &["port", "show", "-h"],
        &["fdb", "help"],
        &["fdb", "show", "help"],
        &["switch", "set", "help"],
        &["port", "set", "help"],
        &["rule", "help"],
        &["rule", "add", "help"],
        &["rule", "change", "help"],
        &["rule", "del", "help"],
        &["rule", "show", "help"],
        &["layer", "help"],
        &["layer", "add", "help"],
        &["layer", "set", "help"],
        &["layer", "del", "help"],
        &["layer", "show", "help"],
        &["layer", "bind", "help"],
        &["layer", "unbind", "help"],
        &["flow", "help"],
        &["flow", "show", "help"],
        &["flow", "flush", "help"],
        &["explain", "help"],
        &["explain", "--help"],
    ] {
        let o = vflowctl(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(stdout(&o).contains("Usage: vflowctl"), "{args:?}");
        assert_eq!(stderr(&o), "", "{args:?}");
    }
    for flag in ["--version", "-V"] {
        let o = vflowctl(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(
            stdout(&o),
            format!("vflowctl {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn family_absent_as_unprivileged_user() {
    // The family lookup (a controller dump) needs no privilege, so an
    // unprivileged caller gets the same message. Needs root to drop to
    // nobody with setpriv(1); skipped otherwise.
    if vflow_loaded() || effective_uid() != 0 || !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("skipped: needs root, setpriv and no vflow module");
        return;
    }
    let o = Command::new("/usr/bin/setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_vflowctl"))
        .args(["switch", "add", "sw0"])
        .output()
        .expect("run setpriv");
    if o.status.code() == Some(127) || o.status.code() == Some(126) {
        eprintln!("skipped: nobody cannot execute the test binary here");
        return;
    }
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), ABSENT);
}

fn effective_uid() -> u32 {
    // /proc/self/status "Uid:\treal\teffective..." avoids a libc dependency here.
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok())
        .unwrap_or(u32::MAX)
}

fn vflowctl_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut c = Command::new(env!("CARGO_BIN_EXE_vflowctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vflowctl");
    c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

#[test]
fn batch_stops_at_the_first_error_with_its_line() {
    // Lines that fail before the kernel is asked: same result with or
    // without the module.
    let input = "# comment\n\nrule add help\nrule add sw0 id 1\nrule add sw0 id 0 allow\n";
    let o = vflowctl_stdin(&["-b", "-"], input);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Usage: vflowctl rule add"),
        "{}",
        stdout(&o)
    );
    let e = stderr(&o);
    assert!(
        e.starts_with("Error: \"action allow\" or \"action deny\" is required\n"),
        "{e}"
    );
    assert!(e.ends_with("Command failed -:4\n"), "{e}");
    assert!(!e.contains(":5"), "{e}");
    // -force: every failing line is reported
    let o = vflowctl_stdin(&["-force", "-b", "-"], input);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("Command failed -:4\n"), "{e}");
    assert!(e.contains("Error: invalid rule id \"0\""), "{e}");
    assert!(e.ends_with("Command failed -:5\n"), "{e}");
}

#[test]
fn batch_of_comments_and_help_only_succeeds() {
    let o = vflowctl_stdin(&["--batch", "-"], "# nothing\n   \nlayer help # trailing\n");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("Usage: vflowctl layer"));
    assert_eq!(stderr(&o), "");
}

#[test]
fn batch_file_errors() {
    let o = vflowctl(&["-b", "/nonexistent/rules.txt"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("Error: cannot read /nonexistent/rules.txt: "),
        "{}",
        stderr(&o)
    );
    if vflow_loaded() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("vflowctl-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("rules.txt");
    std::fs::write(
        &f,
        "# load\nrule add sw0 id 1 allow\nrule add sw0 id 2 allow\n",
    )
    .unwrap();
    let name = f.to_str().unwrap();
    let o = vflowctl(&["-b", name]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), format!("{}Command failed {name}:2\n", ABSENT));
    let _ = std::fs::remove_dir_all(&dir);
}
