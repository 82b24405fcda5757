//! The inspection of the selected profile (`I`): the ID token's claims at once, userinfo and
//! introspection fetched from the provider in the background. Shown in the detail pane until
//! `I` again or another profile is selected.

use super::app::App;
use super::effect::Effect;
use crate::engine::{id_token_claims, Fields, Offered};
use crate::Error;

/// An answer still on its way, or what came back (errors as text, never a secret).
pub type Pending = Option<Result<Offered<Fields>, String>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspect {
    pub profile: String,
    pub id_token: Offered<Fields>,
    pub userinfo: Pending,
    pub introspection: Pending,
}

/// Which provider call came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Userinfo,
    Introspection,
}

impl App {
    /// Opens the inspection of the selected profile, or closes it.
    pub fn toggle_inspect(&mut self) -> Vec<Effect> {
        let Some(e) = self.selected_entry() else {
            self.error("No profile selected");
            return vec![];
        };
        let name = e.name().to_string();
        if self.inspect.as_ref().is_some_and(|i| i.profile == name) {
            self.inspect = None;
            return vec![];
        }
        self.inspect = Some(Inspect {
            profile: name.clone(),
            id_token: id_token_claims(&e.profile),
            userinfo: None,
            introspection: None,
        });
        self.detail_scroll = 0;
        self.info(format!(
            "Inspecting '{name}': asking the provider (I closes)"
        ));
        vec![Effect::Inspect(name)]
    }

    pub fn inspected(&mut self, name: &str, asked: Asked, res: Result<Offered<Fields>, Error>) {
        let Some(i) = self.inspect.as_mut().filter(|i| i.profile == name) else {
            return;
        };
        let slot = match asked {
            Asked::Userinfo => &mut i.userinfo,
            Asked::Introspection => &mut i.introspection,
        };
        *slot = Some(res.map_err(|e| e.to_string()));
    }

    /// Whether an inspection call is still out (the spinner turns).
    pub fn inspecting(&self) -> bool {
        self.inspect
            .as_ref()
            .is_some_and(|i| i.userinfo.is_none() || i.introspection.is_none())
    }
}
