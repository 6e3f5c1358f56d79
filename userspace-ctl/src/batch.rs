//! Batch mode (`vflowctl -b FILE`), like `ip -batch`: one command per line,
//! `#` comments, one netlink socket for all of them, stop at the first
//! failing line (or go on with `-force`) and name it.
//!
//! Requests are sent one at a time, each waiting for its ACK. That is no
//! real cost: the kernel handles a generic netlink request synchronously
//! inside the sender's sendmsg(), so by the time send() returns the work is
//! done and the ACK queued; pipelining would only save the recv() call per
//! line, while making "stop at the first error" inexact (later lines would
//! already have been carried out).

use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use crate::nl::NlError;
use crate::output::Opts;
use crate::{parse, run, Action, Ctx, UsageError};

/// Split one line into words: blanks separate, `'...'` and `"..."` group,
/// `\` escapes the next character (outside single quotes), and a word
/// starting with `#` begins a comment running to the end of the line.
pub fn split_line(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.peek() {
            None | Some('#') => return Ok(out),
            _ => {}
        }
        let mut word = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            match c {
                '\'' => loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(x) => word.push(x),
                        None => return Err("unterminated ' quote".into()),
                    }
                },
                '"' => loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(x) => word.push(x),
                            None => return Err("unterminated \" quote".into()),
                        },
                        Some(x) => word.push(x),
                        None => return Err("unterminated \" quote".into()),
                    }
                },
                '\\' => match chars.next() {
                    Some(x) => word.push(x),
                    None => return Err("\\ at the end of the line".into()),
                },
                c => word.push(c),
            }
        }
        out.push(word);
    }
}

/// What one batch line turned into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Blank or comment.
    Empty,
    /// Text to print (help).
    Print(String),
    /// A command to run, with the options of the line and of the command
    /// line combined.
    Run(Opts, crate::Command),
}

/// Parse one batch line; `opts` are the command line's options.
pub fn parse_line(line: &str, opts: Opts) -> Result<Line, String> {
    let words = split_line(line).map_err(|e| format!("Error: {e}\n"))?;
    if words.is_empty() {
        return Ok(Line::Empty);
    }
    let argv = std::iter::once("vflowctl".to_string()).chain(words);
    match parse(argv) {
        Err(UsageError(m)) => Err(m),
        Ok(Action::Print(t)) => Ok(Line::Print(t)),
        Ok(Action::Batch { .. }) => Err("Error: -b cannot be used inside a batch file\n".into()),
        Ok(Action::Run(o, c)) => Ok(Line::Run(
            Opts {
                json: o.json || opts.json,
                pretty: o.pretty || opts.pretty,
                stats: o.stats || opts.stats,
            },
            c,
        )),
    }
}

fn read_input(file: &str) -> io::Result<String> {
    if file == "-" {
        let mut s = String::new();
        io::stdin().lock().read_to_string(&mut s)?;
        Ok(s)
    } else {
        fs::read_to_string(file)
    }
}

/// Run every line of `file`; exit 1 if any line failed.
pub fn run_file(opts: Opts, file: &str, force: bool) -> ExitCode {
    let text = match read_input(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: cannot read {file}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    let mut ctx: Option<Ctx> = None;
    let mut failed = false;
    for (n, line) in text.lines().enumerate() {
        let lineno = n + 1;
        let result: Result<String, String> = match parse_line(line, opts) {
            Ok(Line::Empty) => continue,
            Ok(Line::Print(t)) => Ok(t),
            Err(m) => Err(m),
            Ok(Line::Run(o, c)) => {
                let conn = match ctx.take() {
                    Some(c) => Ok(c),
                    None => Ctx::connect(),
                };
                match conn {
                    Ok(mut c_) => {
                        let r = run(&mut c_, o, c);
                        ctx = Some(c_);
                        r.map_err(|e: NlError| format!("Error: {e}\n"))
                    }
                    Err(e) => Err(format!("Error: {e}\n")),
                }
            }
        };
        match result {
            Ok(t) => {
                if let Err(e) = out.write_all(t.as_bytes()) {
                    if e.kind() == io::ErrorKind::BrokenPipe {
                        return ExitCode::SUCCESS;
                    }
                    eprintln!("Error: cannot write output: {e}");
                    return ExitCode::from(1);
                }
            }
            Err(m) => {
                let _ = out.flush();
                eprint!("{m}");
                eprintln!("Command failed {file}:{lineno}");
                failed = true;
                if !force {
                    break;
                }
            }
        }
    }
    if let Err(e) = out.flush() {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("Error: cannot write output: {e}");
            return ExitCode::from(1);
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Command;

    fn w(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn split_words_quotes_comments() {
        assert_eq!(
            split_line("  rule add sw0  id 1 allow "),
            Ok(w(&["rule", "add", "sw0", "id", "1", "allow"]))
        );
        assert_eq!(split_line(""), Ok(vec![]));
        assert_eq!(split_line("   "), Ok(vec![]));
        assert_eq!(split_line("# a comment"), Ok(vec![]));
        assert_eq!(split_line("   # indented comment"), Ok(vec![]));
        assert_eq!(
            split_line("switch show # trailing"),
            Ok(w(&["switch", "show"]))
        );
        assert_eq!(split_line("a#b"), Ok(w(&["a#b"])));
        assert_eq!(
            split_line("layer add sw0 'my layer'"),
            Ok(w(&["layer", "add", "sw0", "my layer"]))
        );
        assert_eq!(
            split_line("x \"a \\\"b\\\" c\""),
            Ok(w(&["x", "a \"b\" c"]))
        );
        assert_eq!(split_line("a\\ b c"), Ok(w(&["a b", "c"])));
        assert_eq!(split_line("'#not-a-comment'"), Ok(w(&["#not-a-comment"])));
        assert_eq!(split_line("''"), Ok(w(&[""])));
        assert_eq!(
            split_line("explain port vm1 out tcp 10.0.0.1:1 -> 10.0.0.2:2"),
            Ok(w(&[
                "explain",
                "port",
                "vm1",
                "out",
                "tcp",
                "10.0.0.1:1",
                "->",
                "10.0.0.2:2"
            ]))
        );
        assert!(split_line("'open").is_err());
        assert!(split_line("\"open").is_err());
        assert!(split_line("end\\").is_err());
    }

    const NONE: Opts = Opts {
        json: false,
        pretty: false,
        stats: false,
    };

    #[test]
    fn lines() {
        assert_eq!(parse_line("", NONE), Ok(Line::Empty));
        assert_eq!(parse_line("# rules for vm1", NONE), Ok(Line::Empty));
        assert_eq!(
            parse_line("rule del sw0 id 4", NONE),
            Ok(Line::Run(
                NONE,
                Command::RuleDel {
                    switch: "sw0".into(),
                    id: 4
                }
            ))
        );
        // options of the command line and of the line add up
        let j = Opts { json: true, ..NONE };
        assert_eq!(
            parse_line("-s switch show", j),
            Ok(Line::Run(
                Opts {
                    json: true,
                    stats: true,
                    pretty: false
                },
                Command::SwitchShow { name: None }
            ))
        );
        assert!(
            matches!(parse_line("rule add help", NONE), Ok(Line::Print(t)) if t.contains("Usage: vflowctl rule add"))
        );
        let e = parse_line("rule add sw0 id 1", NONE).unwrap_err();
        assert!(
            e.starts_with("Error: \"action allow\" or \"action deny\" is required\n"),
            "{e}"
        );
        assert!(parse_line("-b x", NONE)
            .unwrap_err()
            .contains("inside a batch file"));
        assert!(parse_line("bogus", NONE).unwrap_err().contains("bogus"));
        assert!(parse_line("layer add sw0 'x", NONE)
            .unwrap_err()
            .contains("unterminated"));
    }

    /// 10,000 `rule add` lines parse and encode in reasonable time even in a
    /// debug build.
    #[test]
    fn ten_thousand_rules_parse_and_encode() {
        let el = rules_parse_and_encode(10_000);
        assert!(el.as_secs() < 30, "{el:?}");
    }

    /// 100,000 `rule add` lines: parsing and encoding cost, measured. Run
    /// with `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_hundred_thousand_rules_parse_and_encode() {
        rules_parse_and_encode(100_000);
    }

    fn rules_parse_and_encode(n: u32) -> std::time::Duration {
        let text: String = (1..=n)
            .map(|i| {
                format!(
                    "rule add sw0 id {i} prio {} src-ip 10.{}.{}.0/24 proto tcp dst-port {}-{} action allow count\n",
                    i % 1000,
                    (i >> 8) & 255,
                    i & 255,
                    i % 1000,
                    i % 1000 + 10
                )
            })
            .collect();
        let t = std::time::Instant::now();
        for line in text.lines() {
            let words = split_line(line).unwrap();
            let args: Vec<String> = words[3..].to_vec();
            crate::rule::parse_rule_args(&args, false).unwrap();
        }
        eprintln!(
            "batch: {n} lines, split + rule grammar only: {:.2?}",
            t.elapsed()
        );
        let t = std::time::Instant::now();
        for line in text.lines() {
            let words = split_line(line).unwrap();
            let argv = std::iter::once("vflowctl".to_string()).chain(words);
            crate::parse(argv).unwrap();
        }
        eprintln!(
            "batch: {n} lines, full parse (clap + grammar): {:.2?}",
            t.elapsed()
        );
        let t = std::time::Instant::now();
        let mut bytes = 0usize;
        for line in text.lines() {
            match parse_line(line, NONE) {
                Ok(Line::Run(_, Command::RuleAdd { switch, rule })) => {
                    let a = crate::rule::encode_rule(&switch, &rule).unwrap();
                    bytes += crate::codec::attrs_to_bytes(&a).len();
                }
                other => panic!("{line}: {other:?}"),
            }
        }
        let el = t.elapsed();
        eprintln!(
            "batch: parsed and encoded {n} rule-add lines ({bytes} attribute bytes) in {:.2?} ({:.1} us/line)",
            el,
            el.as_secs_f64() * 1e6 / f64::from(n)
        );
        el
    }

    /// Round trips on one real generic netlink socket (nlctrl, always
    /// there): the per-line kernel cost of a sequential batch. Run with
    /// `cargo test --release -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_netlink_round_trips() {
        use neli::consts::genl::CtrlCmd;
        let mut g = crate::nl::GenlSocket::open().expect("generic netlink socket");
        let n = 100_000;
        let t = std::time::Instant::now();
        for _ in 0..n {
            let attrs: crate::codec::Attrs =
                std::iter::once(crate::codec::attr(1, 0x10u16.to_ne_bytes().to_vec())).collect();
            let r = g
                .transact(0x10, CtrlCmd::Getfamily.into(), 2, attrs, false)
                .unwrap();
            assert_eq!(r.len(), 1);
        }
        let el = t.elapsed();
        eprintln!(
            "netlink: {n} do-requests with reply and ACK on one socket in {el:.2?} ({:.1} us each)",
            el.as_secs_f64() * 1e6 / n as f64
        );
    }
}
