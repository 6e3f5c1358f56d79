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
