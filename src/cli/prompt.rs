//! Questions on stderr, answers from the terminal (hidden for secrets) or from piped standard input.

use crate::secret::Secret;
use crate::Error;
use std::io::{BufRead, IsTerminal, Write};

fn read_line() -> Result<Option<String>, Error> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Other(format!("cannot read standard input: {e}")))?;
    Ok((n > 0).then(|| line.trim_end_matches(['\r', '\n']).to_string()))
}

/// Asks with an echoed answer. End of input is a cancel.
pub fn ask(question: &str) -> Result<String, Error> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    read_line()?.ok_or(Error::Cancelled)
}

/// Asks for a secret: hidden on a terminal, a plain line from a pipe.
pub fn ask_secret(question: &str) -> Result<Option<Secret>, Error> {
    let value = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(question)
            .map_err(|e| Error::Other(format!("cannot read the answer: {e}")))?
    } else {
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        read_line()?.ok_or(Error::Cancelled)?
    };
    Ok(Secret::non_empty(value.trim().to_string()))
}

/// A `[Y/N]` question; anything but y/yes is no.
pub fn confirm(question: &str) -> Result<bool, Error> {
    let answer = match ask(&format!("{question} [Y/N]? ")) {
        Err(Error::Cancelled) => return Ok(false),
        other => other?,
    };
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
