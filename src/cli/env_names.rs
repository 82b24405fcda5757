//! Which variable names `exec --env NAME` refuses: names whose value a program does not merely
//! read but acts on before (or instead of) the command's own code. The token there is taken for
//! a library to load, a file to read, shell code or a command to run; the loader or the shell
//! then also prints it in its error (`ld.so: object '<token>' from LD_PRELOAD cannot be
//! preloaded`), and a token that a provider lets someone else shape could run code.
//!
//! The groups, each for one reason:
//! - the dynamic loader: `LD_*`, `DYLD_*` and the rest of glibc's `UNSECURE_ENVVARS` (the
//!   variables glibc itself removes for setuid programs, because they make a program load or
//!   read what the environment names);
//! - the shells: command lookup (`PATH`, `CDPATH`), word splitting (`IFS`), start-up files
//!   (`ENV`, `BASH_ENV`, `ZDOTDIR`), options (`SHELLOPTS`, `BASHOPTS`), prompt and trace strings,
//!   which are expanded, command substitutions included (`PS1`, `PS2`, `PS4`,
//!   `PROMPT_COMMAND`), exported functions (`BASH_FUNC_*`);
//! - interpreters' start-up options, which load code (`NODE_OPTIONS`, `PYTHONSTARTUP`,
//!   `PYTHONPATH`, `PERL5OPT`, `RUBYOPT`, `JAVA_TOOL_OPTIONS`, ...);
//! - variables that name a program for others to run (`SHELL`, `EDITOR`, `PAGER`,
//!   `GIT_SSH_COMMAND`, `SSH_ASKPASS`, ...).
//!
//! Names are compared without regard to case (Windows' environment ignores it).

/// Why `name` may not receive the token, if it may not.
pub fn refusal(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    let upper = upper.as_str();
    if LOADER_PREFIXES.iter().any(|p| upper.starts_with(p)) || LOADER.contains(&upper) {
        return Some("the dynamic loader acts on it");
    }
    if upper.starts_with("BASH_FUNC_") || SHELL.contains(&upper) {
        return Some("shells act on it");
    }
    if INTERPRETERS.contains(&upper) {
        return Some("an interpreter loads code from it at start-up");
    }
    if PROGRAMS.contains(&upper) {
        return Some("programs run the command it names");
    }
    None
}

const LOADER_PREFIXES: &[&str] = &["LD_", "DYLD_"];

/// glibc's `UNSECURE_ENVVARS` (sysdeps/generic/unsecvars.h) that `LD_` does not already cover,
/// and the other systems' library paths.
const LOADER: &[&str] = &[
    "GCONV_PATH",
    "GETCONF_DIR",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "LOCPATH",
    "MALLOC_TRACE",
    "NIS_PATH",
    "NLSPATH",
    "RESOLV_HOST_CONF",
    "RES_OPTIONS",
    "TMPDIR",
    "TZDIR",
    "LIBPATH",
    "SHLIB_PATH",
];

const SHELL: &[&str] = &[
    "PATH",
    "CDPATH",
    "IFS",
    "ENV",
    "BASH_ENV",
    "ZDOTDIR",
    "FPATH",
    "SHELLOPTS",
    "BASHOPTS",
    "GLOBIGNORE",
    "PS1",
    "PS2",
    "PS3",
    "PS4",
    "PROMPT_COMMAND",
    "INPUTRC",
    "HISTFILE",
];

const INTERPRETERS: &[&str] = &[
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONWARNINGS",
    "PERL5OPT",
    "PERL5LIB",
    "PERLLIB",
    "RUBYOPT",
    "RUBYLIB",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
];

const PROGRAMS: &[&str] = &[
    "SHELL",
    "EDITOR",
    "VISUAL",
    "PAGER",
    "BROWSER",
    "GIT_PAGER",
    "GIT_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_ASKPASS",
    "GIT_EXEC_PATH",
    "SSH_ASKPASS",
    "SUDO_ASKPASS",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_names_are_refused_and_ordinary_ones_are_not() {
        for name in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "ld_audit",
            "DYLD_INSERT_LIBRARIES",
            "GCONV_PATH",
            "LOCPATH",
            "PATH",
            "IFS",
            "BASH_ENV",
            "ENV",
            "SHELLOPTS",
            "PS4",
            "PROMPT_COMMAND",
            "BASH_FUNC_ls%%",
            "NODE_OPTIONS",
            "PYTHONSTARTUP",
            "GIT_SSH_COMMAND",
        ] {
            assert!(refusal(name).is_some(), "{name}");
        }
        for name in [
            "GH_TOKEN",
            "GITHUB_TOKEN",
            "VAULT_TOKEN",
            "PAN_ACCESS_TOKEN",
            "TOKEN",
            "MY_PATH_TOKEN",
            "ENVIRONMENT",
            "OLD_PATH",
        ] {
            assert_eq!(refusal(name), None, "{name}");
        }
    }
}
