//! The authorize screen's device login (RFC 8628): switching to it and back, and what the
//! background polling reports. The engine polls and stores the tokens; this only keeps the
//! screen's state (`authorize.rs`) and the status line in step.

use super::action::Action;
use super::activity::Kind;
use super::app::{App, Mode};
use super::authorize::{AuthPhase, Method};
use super::effect::Effect;
use super::event::EngineEvent;
use crate::oauth::OAuthError;
use crate::Error;

impl App {
    /// Tab on the authorize screen: browser <-> device code, when the provider offers the latter.
    pub(super) fn switch_flow(&mut self) -> Vec<Effect> {
        let Mode::Authorize(auth) = &mut self.mode else {
            return vec![];
        };
        let name = auth.profile.clone();
        match (auth.method, auth.device_supported) {
            (Method::Device, _) => {
                **auth = auth.switched(Method::Browser);
                self.info(format!("Authorizing '{name}' in the browser…"));
                vec![Effect::StartAuthorization(name)]
            }
            (Method::Browser, Some(true)) => {
                **auth = auth.switched(Method::Device);
                self.info(format!(
                    "Asking the provider for a device code for '{name}'…"
                ));
                vec![Effect::StartDeviceLogin(name)]
            }
            (Method::Browser, Some(false)) => {
                auth.error = Some(
                    "This provider offers no device login: the profile has no \
                     device_authorization_url and the provider's metadata names none"
                        .into(),
                );
                vec![]
            }
            (Method::Browser, None) => {
                auth.error =
                    Some("Still asking the provider whether it offers device login…".into());
                vec![]
            }
        }
    }

    /// Enter after a device login ended (expired, refused): a new code.
    pub(super) fn restart_device(&mut self) -> Vec<Effect> {
        let Mode::Authorize(auth) = &mut self.mode else {
            return vec![];
        };
        if auth.method != Method::Device || auth.phase != AuthPhase::Ended {
            return vec![];
        }
        let name = auth.profile.clone();
        **auth = auth.switched(Method::Device);
        self.info(format!(
            "Asking the provider for a new device code for '{name}'…"
        ));
        vec![Effect::StartDeviceLogin(name)]
    }

    pub(super) fn on_device(&mut self, event: EngineEvent) -> Vec<Effect> {
        // Device logins are in the activity pane as browser logins are.
        match &event {
            EngineEvent::DeviceStarted(name, Ok(shown)) => self.log(
                Kind::AuthStarted,
                format!(
                    "'{name}': device login started at {}",
                    crate::text::Safe(&shown.verification_uri)
                ),
            ),
            EngineEvent::DeviceFinished(name, Ok(p)) => {
                let left = self.token_note(p);
                self.log(
                    Kind::AuthDone,
                    format!("'{name}' authorized with the device code: {left}"),
                );
            }
            EngineEvent::DeviceFinished(name, Err(e)) => self.log(
                Kind::AuthRefused,
                format!("'{name}' device login: {}", failure(e)),
            ),
            _ => {}
        }
        let Mode::Authorize(auth) = &mut self.mode else {
            // The screen was closed: a late answer changes nothing shown, but a login that
            // finished was stored all the same, so the list shows it.
            if let EngineEvent::DeviceFinished(_, Ok(p)) = event {
                self.put_profile(p);
            }
            return vec![];
        };
        match event {
            EngineEvent::DeviceSupport(name, supported) if auth.profile == name => {
                auth.device_supported = Some(supported);
            }
            EngineEvent::DeviceStarted(name, res)
                if auth.profile == name
                    && auth.method == Method::Device
                    && auth.phase == AuthPhase::Starting =>
            {
                match res {
                    Ok(shown) => {
                        auth.phase = AuthPhase::Waiting;
                        let text = format!(
                            "Device login for '{name}': enter the code at {}",
                            crate::text::Safe(&shown.verification_uri)
                        );
                        auth.device = Some(shown);
                        self.info(text);
                    }
                    Err(e) => {
                        auth.phase = AuthPhase::Ended;
                        auth.error = Some(format!("No device code: {e}"));
                        self.error(format!("Device login for '{name}' failed: {e}"));
                    }
                }
            }
            EngineEvent::DeviceFinished(name, Ok(p)) => {
                let here = auth.profile == name && auth.method == Method::Device;
                let left = self.token_note(&p);
                self.put_profile(p);
                if here {
                    self.mode = Mode::Normal;
                }
                self.success(format!("Authorized '{name}' with the device code: {left}"));
            }
            EngineEvent::DeviceFinished(name, Err(e))
                if auth.profile == name && auth.method == Method::Device =>
            {
                let why = failure(&e);
                auth.phase = AuthPhase::Ended;
                let enter = super::keys::key_for(super::keys::Context::Authorize, &Action::Submit);
                auth.error = Some(format!("{why} {enter} asks for a new code."));
                self.error(format!("Device login for '{name}': {why}"));
            }
            _ => {}
        }
        vec![]
    }
}

/// What the person sees when polling stops without tokens: refusal and expiry in plain words.
pub fn failure(e: &Error) -> String {
    match e {
        Error::Provider(OAuthError::DeviceCodeExpired) => {
            "The code expired before anyone approved it.".into()
        }
        Error::Provider(o) if o.provider_error() == Some("access_denied") => {
            "The request was denied at the provider (access_denied); nothing was stored.".into()
        }
        e => format!("Device login failed: {e}."),
    }
}
