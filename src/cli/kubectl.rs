//! `pancred kubectl-credential`: a kubectl exec credential plugin. kubectl describes the request
//! in `KUBERNETES_EXEC_INFO` (an `ExecCredential` without status); the answer is an
//! `ExecCredential` of the same `apiVersion` with `status.token` and `status.expirationTimestamp`.

use super::context::Context;
use super::oauth_cmds::{block_on, engine_for};
use super::output::print_json;
use crate::clock::rfc3339_utc;
use crate::secret::Secret;
use crate::Error;
use serde_json::{json, Value};

pub const API_V1: &str = "client.authentication.k8s.io/v1";
pub const API_V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// `exec_info` is the text of `KUBERNETES_EXEC_INFO` (absent: kubectl older than 1.22, or a run
/// by hand; then v1 is answered).
pub fn kubectl_credential(ctx: &Context, exec_info: Option<&str>) -> Result<(), Error> {
    let api_version = api_version(exec_info)?;
    let (engine, name) = engine_for(ctx, clue(ctx))?;
    // The cached path needs no runtime, no thread and no lock; only a refresh builds them.
    let (token, expiry) = match engine.cached_access_token(&name)? {
        Some(c) => {
            let expiry = c.expires_at();
            (c.token, expiry)
        }
        None => {
            let caller = super::login_gate::Caller {
                kubectl_interactive: interactive(exec_info),
                ..Default::default()
            };
            super::login_gate::with_login(ctx, &name, ctx.global.login, caller, || {
                block_on(engine.fresh_access_token_with_expiry(&name))
            })?
        }
    };
    print_json(&exec_credential(api_version, &token, expiry))
}

/// What the context rules see of kubectl's request: the kubeconfig's current context.
pub(super) fn clue(ctx: &Context) -> super::context::Clue<'_> {
    super::context::Clue::Kubectl {
        kubeconfig: ctx.settings.kubeconfig.as_deref(),
    }
}

/// The `ExecCredential` kubectl reads: the token and, when known, its expiry.
pub(super) fn exec_credential(api_version: &str, token: &Secret, expiry: Option<i64>) -> Value {
    let mut status = json!({ "token": token.expose() });
    // Without an expiry kubectl keeps the token until a server answers 401.
    if let Some(exp) = expiry {
        status["expirationTimestamp"] = Value::from(rfc3339_utc(exp));
    }
    json!({
        "apiVersion": api_version,
        "kind": "ExecCredential",
        "status": status,
    })
}

/// kubectl's `spec.interactive`: whether a person can answer (kubectl says false when its
/// standard input is not a terminal, or the kubeconfig says `interactiveMode: Never`).
pub(super) fn interactive(exec_info: Option<&str>) -> Option<bool> {
    let info: Value = serde_json::from_str(exec_info?).ok()?;
    info.get("spec")?.get("interactive")?.as_bool()
}

pub(super) fn api_version(exec_info: Option<&str>) -> Result<&'static str, Error> {
    let Some(text) = exec_info.filter(|t| !t.trim().is_empty()) else {
        return Ok(API_V1);
    };
    let bad = |why: String| Error::Usage(format!("KUBERNETES_EXEC_INFO {why}"));
    let info: Value = serde_json::from_str(text).map_err(|e| bad(format!("is not JSON: {e}")))?;
    match info.get("apiVersion").and_then(Value::as_str) {
        Some(API_V1) => Ok(API_V1),
        Some(API_V1BETA1) => Ok(API_V1BETA1),
        Some(other) => Err(bad(format!(
            "asks for apiVersion {other:?}; pancred answers {API_V1} and {API_V1BETA1}"
        ))),
        None => Err(bad("has no apiVersion".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_follows_the_request() {
        let info = |v: &str| {
            format!(
                r#"{{"kind":"ExecCredential","apiVersion":"{v}","spec":{{"interactive":false}}}}"#
            )
        };
        assert_eq!(api_version(Some(&info(API_V1BETA1))).unwrap(), API_V1BETA1);
        assert_eq!(api_version(Some(&info(API_V1))).unwrap(), API_V1);
        assert_eq!(api_version(None).unwrap(), API_V1);
        let e = api_version(Some(&info("client.authentication.k8s.io/v1alpha1"))).unwrap_err();
        assert_eq!(super::super::exit::exit_code(&e), 2);
        assert!(api_version(Some("{not json")).is_err());
        assert_eq!(interactive(Some(&info(API_V1))), Some(false));
        assert_eq!(interactive(None), None);
    }
}
