//! Running `pancred` (the small executable) and telling whether it ran the whole program.

use super::{Run, Sandbox};
use std::process::Stdio;

/// Variables set for one run.
pub type Vars<'a> = &'a [(&'a str, &'a str)];

/// Runs `program` with the sandbox's environment, `input` on stdin.
pub fn run(sb: &Sandbox, program: &str, args: &[&str], env: Vars, input: &str) -> Run {
    let mut c = sb.program(program);
    c.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run pancred");
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes());
    child.wait_with_output().unwrap().into()
}

/// Whether `pancred ARGS` ran the whole program (an `execve` of pancred-full under strace).
pub fn handed_over(sb: &Sandbox, args: &[&str], env: Vars, input: &str) -> (Run, bool) {
    let log = sb.path().join("execve.log");
    let mut all = vec![
        "-f",
        "-qq",
        "-e",
        "trace=execve",
        "-o",
        log.to_str().unwrap(),
    ];
    all.push(super::bin());
    all.extend_from_slice(args);
    let r = run(sb, "strace", &all, env, input);
    let text = std::fs::read_to_string(&log).expect("the strace log");
    (r, text.contains("pancred-full\""))
}
