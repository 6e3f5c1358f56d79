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
