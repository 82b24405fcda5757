//! One check of `pancred doctor` and its outcome: what each store's own `diagnose` and the
//! setup-wide checks (`crate::diagnose`) return. A leaf, below the stores.

use serde::Serialize;
use std::time::Duration;

/// The longest any one check waits for an answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Works, but something will bite (a policy that may evict, a skewed clock).
    Warn,
    /// Does not work.
    Fail,
    /// Not checked: not used by this setup, or nothing to check.
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked, a short stable name (`store`, `secret-service`, `redis`...).
    pub check: String,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do about it (problems only).
    pub fix: Option<String>,
}

impl Check {
    pub fn ok(check: &str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Ok, detail, None)
    }
    pub fn skip(check: &str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Skip, detail, None)
    }
    pub fn warn(check: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Warn, detail, Some(fix.into()))
    }
    pub fn fail(check: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Fail, detail, Some(fix.into()))
    }
    fn new(check: &str, status: Status, detail: impl Into<String>, fix: Option<String>) -> Self {
        Check {
            check: check.to_string(),
            status,
            detail: detail.into(),
            fix,
        }
    }

    /// The same finding about a part this setup does not use: reported, never a problem.
    pub fn unused(mut self, why: &str) -> Self {
        if matches!(self.status, Status::Warn | Status::Fail) {
            self.detail = format!("{why}; {}", self.detail);
            self.status = Status::Skip;
            self.fix = None;
        }
        self
    }
}

/// Whether anything needs fixing: any warning or failure (`doctor` then exits 1).
pub fn needs_fixing(checks: &[Check]) -> bool {
    checks
        .iter()
        .any(|c| matches!(c.status, Status::Warn | Status::Fail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_failures_need_fixing_skips_do_not() {
        let ok = Check::ok("a", "fine");
        assert!(!needs_fixing(&[ok.clone(), Check::skip("b", "unused")]));
        assert!(needs_fixing(&[ok.clone(), Check::warn("c", "x", "y")]));
        assert!(needs_fixing(&[Check::fail("d", "x", "y")]));
        let unused = Check::fail("e", "down", "start it").unused("not used");
        assert_eq!(unused.status, Status::Skip);
        assert_eq!(unused.fix, None);
        assert_eq!(unused.detail, "not used; down");
        let json = serde_json::to_value(Check::warn("f", "d", "x")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"check": "f", "status": "warn", "detail": "d", "fix": "x"})
        );
    }
}
