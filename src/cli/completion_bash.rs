//! bash's completion script. clap_complete's own hands bash the candidates through an unquoted
//! `COMPREPLY=( $(...) )`: a candidate is globbed there (a profile named `*` completes to the
//! files in the current folder), and bash inserts the rest as raw text, so a profile named
//! `$(touch x)`, `` `id` `` or `a; b` becomes shell code on the user's command line when they
//! press Enter. Profile names come from the store, which may be shared (Redis, memcached, a
//! file on a share): someone else's name must never run on this machine.
//!
//! This script reads the candidates without any expansion and quotes each one (`printf %q`)
//! before bash inserts it. zsh (`_describe`) and fish quote what they insert themselves.
//! `tests/completion_shells.rs` drives all three in tmux with hostile names.

const SCRIPT: &str = r#"
_clap_complete_pancred() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_INDEX=${COMP_CWORD}
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local words=("${COMP_WORDS[@]}")
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        words[COMP_CWORD]="$2"
    fi
    local out
    out=$( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        VAR="bash" \
        "pancred" -- "${words[@]}" \
    ) || { unset COMPREPLY; return; }
    # Split on the separator by parameter expansion only (no globbing, no word splitting), and
    # quote each candidate for the command line.
    COMPREPLY=()
    local rest=$out candidate quoted
    while [[ -n $rest ]]; do
        candidate=${rest%%$'\013'*}
        if [[ $rest == *$'\013'* ]]; then rest=${rest#*$'\013'}; else rest=; fi
        printf -v quoted '%q' "$candidate"
        COMPREPLY+=("$quoted")
    done
    if [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_pancred pancred
else
    complete -o nospace -o bashdefault -F _clap_complete_pancred pancred
fi
"#;

/// The script, calling pancred back with `var=bash` set.
pub(super) fn registration(var: &str) -> String {
    SCRIPT.replace("VAR=", &format!("{var}="))
}
