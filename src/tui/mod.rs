//! The terminal UI: `pancred` with no command. State ([`app`]), key -> action ([`action`]), update
//! ([`update`], [`update_text`], [`results`]) and pure rendering ([`ui`]); I/O runs in background tasks
//! ([`tasks`]) that report back on the one event channel ([`event`]). The engine knows none of it.
//! The authorize screen logs in through the browser or with a device code ([`authorize`], [`device`]).

pub mod action;
pub mod activity;
pub mod app;
pub mod authorize;
pub mod clipboard;
pub mod device;
pub mod effect;
pub mod event;
pub mod form;
pub mod inspect;
pub mod keep_fresh;
pub mod keys;
pub mod live;
pub mod results;
pub mod shutdown;
pub mod tasks;
pub mod ui;
pub mod update;
pub mod update_text;

#[cfg(test)]
mod tests;

use crate::{Engine, Error};
use action::{from_key, from_mouse, Action};
use app::App;
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use effect::Effect;
use event::Event;
use std::io::IsTerminal;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// Shown top left (`pancred`, `pancred demo`).
    pub title: String,
    /// A warning kept on screen, e.g. that the keyring was unavailable and the file store is used.
    pub banner: Option<String>,
    /// The countdown tick; one second unless a demo wants otherwise.
    pub tick: Duration,
    /// Open the authorization URL in a browser ($BROWSER, else the desktop's opener).
    pub open_browser: bool,
    /// Start with keep-fresh on (`pancred --keep-fresh`); a key toggles it.
    pub keep_fresh: bool,
    /// Colours on (off with `NO_COLOR`).
    pub color: bool,
    /// A desktop session (`DISPLAY`, `WAYLAND_DISPLAY`): the desktop's opener may open a browser.
    pub desktop: bool,
    /// The pancloud file the import dialog offers (`PAN_CREDENTIALS_DBFILE`, else pancloud's own).
    pub pancloud_file: Option<std::path::PathBuf>,
}

impl TuiOptions {
    /// The defaults with what the environment says about colours, the desktop and the pancloud
    /// file.
    pub fn from_settings(settings: &crate::env::Settings) -> Self {
        TuiOptions {
            color: !settings.no_color,
            desktop: settings.desktop || cfg!(any(target_os = "macos", windows)),
            pancloud_file: settings.credentials_file.clone(),
            ..Default::default()
        }
    }
}

impl Default for TuiOptions {
    fn default() -> Self {
        TuiOptions {
            title: "pancred".into(),
            banner: None,
            tick: Duration::from_secs(1),
            open_browser: true,
            keep_fresh: false,
            color: true,
            desktop: cfg!(any(target_os = "macos", windows)),
            pancloud_file: None,
        }
    }
}

/// While a spinner turns the loop ticks this often; idle, only at `TuiOptions::tick`.
const ANIMATION_TICK: Duration = Duration::from_millis(120);

/// Runs the TUI until the user quits, on a runtime of its own.
pub fn run(engine: Engine, options: TuiOptions) -> Result<(), Error> {
    let rt = crate::config::runtime(1)?;
    let res = rt.block_on(run_async(engine, options));
    // A store call stuck on a lock must not keep the process alive after the user quit.
    rt.shutdown_timeout(Duration::from_secs(1));
    res
}

/// Runs the TUI on the caller's tokio runtime.
pub async fn run_async(engine: Engine, options: TuiOptions) -> Result<(), Error> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "the TUI needs a terminal; for scripts use the commands (`pancred --help`)".into(),
        ));
    }
    let term_err = |e: std::io::Error| Error::Other(format!("terminal: {e}"));
    // try_init installs ratatui's panic hook (restore, then the previous hook); ours runs first
    // and also turns off the mouse and paste modes, so a panic leaves a usable terminal.
    let mut terminal = ratatui::try_init().map_err(term_err)?;
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste
        );
        ratatui_hook(info);
    }));
    let res = match crossterm::execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste)
    {
        Ok(()) => main_loop(&mut terminal, engine, options).await,
        Err(e) => Err(term_err(e)),
    };
    let _ = crossterm::execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste,
        crossterm::cursor::Show
    );
    ratatui::restore();
    let farewell = res?;
    if let Some(text) = farewell {
        eprintln!("{text}");
    }
    Ok(())
}

async fn main_loop(
    terminal: &mut ratatui::DefaultTerminal,
    engine: Engine,
    options: TuiOptions,
) -> Result<Option<String>, Error> {
    let term_err = |e: std::io::Error| Error::Other(format!("terminal: {e}"));
    let size = terminal.size().map_err(term_err)?;
    let store = engine.store();
    let label = format!("{}: {}", store.kind(), store.location());
    let clock = engine.clock().clone();
    let mut app = App::new(
        label,
        engine.leeway(),
        clock.now(),
        (size.width, size.height),
    );
    app.title = options.title.clone();
    app.banner = options.banner.clone();
    app.keep_fresh.on = options.keep_fresh;
    app.theme = crate::tui::ui::theme::Theme {
        color: options.color,
    };
    app.browser_here =
        options.open_browser && (crate::browser::browser_list().is_some() || options.desktop);
    app.pancloud_file = options
        .pancloud_file
        .clone()
        .or_else(|| crate::store::file::default_path().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_default();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let (period_tx, period_rx) = watch::channel(ANIMATION_TICK);
    let input = event::spawn_input(tx.clone());
    let ticker = event::spawn_ticker(tx.clone(), period_rx);
    let watcher = engine.clone();
    let live = live::spawn(engine.store(), tx.clone(), live::POLL);
    let endpoints = live::spawn_endpoints(tx.clone(), live::POLL);
    let mut runner = tasks::Runner::new(engine, tx, options.open_browser);
    runner.desktop = options.desktop;
    runner.run(Effect::Load);
    let mut signals = shutdown::Signals::default();
    let mut finishing = false;

    let mut result = Ok(None);
    terminal.draw(|f| ui::render(&app, f)).map_err(term_err)?;
    loop {
        // A signal asks to quit as `q` does (and so the terminal is restored).
        let ev = tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => ev,
                None => break,
            },
            // Only `q` forces a quit during a refresh: a signal may come twice (to the process
            // and to its group).
            _ = signals.recv() => {
                app.quit = !finishing;
                Event::Tick
            }
        };
        // Mouse motion and unbound keys change nothing, so they cost no frame.
        let mut redraw = false;
        let action = match ev {
            Event::Tick => Some(Action::Tick(clock.now())),
            Event::Key(k) => from_key(k, &app.mode),
            Event::Mouse(m) => from_mouse(m, &app),
            Event::Paste(p) => Some(Action::Paste(p)),
            Event::Resize(w, h) => Some(Action::Resize(w, h)),
            Event::Engine(e) => {
                redraw = true;
                for effect in app.on_engine(*e) {
                    runner.run(effect);
                }
                None
            }
        };
        if let Some(a) = action {
            redraw = true;
            for effect in app.update(a) {
                runner.run(effect);
            }
        }
        let quit_asked = std::mem::take(&mut app.quit);
        match shutdown::decide(&watcher.refreshes_in_flight(), quit_asked, &mut finishing) {
            shutdown::Decision::Stay => {}
            shutdown::Decision::Quit => break,
            shutdown::Decision::Finish(text) => {
                app.info(text);
                redraw = true;
            }
            shutdown::Decision::Forced(text) => {
                result = Ok(Some(text));
                break;
            }
        }
        let want = if app.animating() {
            ANIMATION_TICK
        } else {
            options.tick
        };
        period_tx.send_if_modified(|p| std::mem::replace(p, want) != want);
        if redraw {
            if let Err(e) = terminal.draw(|f| ui::render(&app, f)) {
                result = Err(term_err(e));
                break;
            }
        }
    }
    input.abort();
    ticker.abort();
    live.abort();
    endpoints.abort();
    result
}
