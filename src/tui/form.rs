//! The new/edit profile form: its fields come from the table of profile fields; validation
//! turns what the user changed into a [`ProfilePatch`] for the engine.

use crate::engine::ProfilePatch;
use crate::profile::{fields, Dialect, Profile};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Typed characters show as dots; empty on edit keeps the stored value.
    Secret,
    Choice(&'static [&'static str]),
    /// On or off (`true`/`false`): Space or ←/→ flips it.
    Bool,
}

impl FieldKind {
    /// Picked, not typed: Space and ←/→ change it, typing does nothing.
    pub fn is_picked(self) -> bool {
        matches!(self, FieldKind::Choice(_) | FieldKind::Bool)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub kind: FieldKind,
    pub value: String,
    pub hint: &'static str,
    pub error: Option<String>,
}

pub struct Form {
    /// The profile being edited; `None` for a new one.
    pub original: Option<Profile>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Names already taken (a new or renamed profile may not reuse one).
    pub taken: Vec<String>,
    /// The first row shown when the rows do not all fit (kept by drawing: [`Form::rows_shown`]).
    pub scroll: std::cell::Cell<usize>,
}

/// What a valid form asks the engine to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The profile's name before the edit (the new name for a new profile).
    pub name: String,
    pub new_name: String,
    /// Only the fields the user changed.
    pub patch: ProfilePatch,
    pub created: bool,
}

impl Form {
    pub fn new(original: Option<Profile>, taken: Vec<String>) -> Self {
        let p = original.clone().unwrap_or_else(|| Profile::new(""));
        let fields = fields::form_fields()
            .map(|spec| {
                let (kind, value, hint) = match spec.kind {
                    fields::Kind::Secret => (
                        FieldKind::Secret,
                        String::new(),
                        if p.secret(spec.name).is_some() {
                            "stored; leave empty to keep, type to replace"
                        } else {
                            "none stored"
                        },
                    ),
                    fields::Kind::Choice(options) => (
                        FieldKind::Choice(options),
                        p.stored_text(spec.name),
                        spec.hint,
                    ),
                    fields::Kind::Bool => (
                        FieldKind::Bool,
                        p.flag(spec.name).unwrap_or_default().to_string(),
                        spec.hint,
                    ),
                    _ => (FieldKind::Text, p.stored_text(spec.name), spec.hint),
                };
                Field {
                    key: spec.name,
                    kind,
                    value,
                    hint,
                    error: None,
                }
            })
            .collect();
        Form {
            original,
            fields,
            focus: 0,
            taken,
            scroll: Default::default(),
        }
    }

    /// The rows `height` lines show: the focused one always, the view moving only as far as
    /// the focus leaves it.
    pub fn rows_shown(&self, height: usize) -> std::ops::Range<usize> {
        let n = self.fields.len();
        let height = height.clamp(1, n.max(1));
        let mut top = self.scroll.get().min(n.saturating_sub(height));
        if self.focus < top {
            top = self.focus;
        } else if self.focus >= top + height {
            top = self.focus + 1 - height;
        }
        self.scroll.set(top);
        top..top + height
    }

    pub fn is_new(&self) -> bool {
        self.original.is_none()
    }

    pub fn focused(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    pub fn type_char(&mut self, c: char) {
        let f = self.focused();
        match f.kind {
            k if k.is_picked() && c == ' ' => self.cycle(),
            k if k.is_picked() => {}
            _ if c.is_control() => {}
            _ => {
                f.value.push(c);
                f.error = None;
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        // A pasted value is one line: a trailing newline would otherwise submit or corrupt it.
        for c in text.trim().chars().filter(|c| !c.is_control()) {
            self.type_char(c);
        }
    }

    pub fn backspace(&mut self) {
        let f = self.focused();
        if !f.kind.is_picked() {
            f.value.pop();
            f.error = None;
        }
    }

    pub fn clear(&mut self) {
        let f = self.focused();
        if !f.kind.is_picked() {
            f.value.clear();
        }
    }

    pub fn cycle(&mut self) {
        let f = self.focused();
        match f.kind {
            FieldKind::Choice(options) => {
                let i = options.iter().position(|o| *o == f.value).unwrap_or(0);
                f.value = options[(i + 1) % options.len()].to_string();
            }
            FieldKind::Bool => f.value = (f.value != "true").to_string(),
            _ => {}
        }
    }

    pub fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.trim())
            .unwrap_or_default()
    }

    fn set_error(&mut self, key: &str, msg: String) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.error = Some(msg);
        }
    }

    /// Checks every field; on success what to ask the engine (only the fields that changed),
    /// else the errors sit on their fields and focus moves to the first one.
    pub fn validate(&mut self) -> Option<Submitted> {
        for f in &mut self.fields {
            f.error = None;
        }
        let name = self.value("profile").to_string();
        let original_name = self.original.as_ref().map(|p| p.profile.clone());
        let renamed = original_name.as_deref() != Some(&name);
        // The one rule for names; a profile keeps the name it already has, whatever it is.
        let name_error = renamed
            .then(|| crate::profile::name::check(&name).err())
            .flatten();
        if let Some(why) = name_error {
            self.set_error("profile", why);
        } else if renamed && self.taken.contains(&name) {
            self.set_error("profile", format!("'{name}' already exists"));
        }
        let insecure_ok = self
            .original
            .as_ref()
            .is_some_and(|p| p.allow_insecure_http);
        for spec in fields::form_fields() {
            if let Err(e) = fields::check_text(spec, self.value(spec.name), insecure_ok) {
                self.set_error(spec.name, e);
            }
        }
        if self.value("dialect") == Dialect::OAuth2.as_str()
            && self.value("token_url").is_empty()
            && self.value("issuer").is_empty()
        {
            self.set_error(
                "token_url",
                "oauth2 needs a token_url or an issuer to discover it".into(),
            );
        }
        if let Some(first) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = first;
            return None;
        }
        let before = self.original.clone().unwrap_or_else(|| Profile::new(""));
        let mut patch = ProfilePatch::default();
        for f in self.fields.iter().filter(|f| f.key != "profile") {
            let typed = f.value.trim();
            match f.kind {
                // An empty secret keeps what is stored; a typed one replaces it.
                FieldKind::Secret if typed.is_empty() => {}
                // A flag is written when it differs from the profile's (a new one's: the default).
                FieldKind::Bool => {
                    let on = typed == "true";
                    if before.flag(f.key) != Some(on) {
                        patch.set.insert(f.key.to_string(), Value::Bool(on));
                    }
                }
                _ if typed == before.stored_text(f.key) && self.original.is_some() => {}
                _ if typed.is_empty() => patch.unset.push(f.key.to_string()),
                _ => {
                    patch
                        .set
                        .insert(f.key.to_string(), Value::String(typed.to_string()));
                }
            }
        }
        Some(Submitted {
            name: original_name.clone().unwrap_or_else(|| name.clone()),
            new_name: name,
            patch,
            created: self.original.is_none(),
        })
    }
}

pub use crate::rules::url_policy::check_setting as check_url;
