//! The desktop app (eframe/egui): dashboard, ledger editing, import wizard, settings, in
//! English and Chinese. The only module that names egui, eframe or rfd.

mod agreements;
mod app;
mod dashboard;
mod dialogs;
mod fonts;
mod form;
mod format;
mod import_wizard;
mod money_in;
mod partners;
mod pie;
mod pipeline;
mod prospect_form;
mod prospects;
mod settings;
mod state;

use std::path::{Path, PathBuf};

pub use app::PledgerApp;
pub use dialogs::{FileDialogs, NativeDialogs, ScriptedDialogs};
pub use fonts::{NOTO_SANS_SC, font_definitions};
pub use format::t;
pub use import_wizard::{Reviewed, commit_reviewed};
pub use state::{Command, Page, Revert};

use crate::domain::Lang;
use crate::ledger::Ledger;

/// The application id: the Wayland app id, the X11 class, the desktop file's name and the
/// settings folder.
pub const APP_ID: &str = "org.pledger.Pledger";

/// The window icon.
const ICON_PNG: &[u8] = include_bytes!("../../assets/icons/pledger-256.png");

/// Chinese when the system locale is Chinese, else English.
pub fn system_lang() -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default();
    if locale.to_lowercase().starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

/// Opens the desktop app on the ledger at `path` (created if missing), with the import
/// wizard on `workbook` when one is given (a file manager's "Open with Pledger").
pub fn run(path: &Path, workbook: Option<PathBuf>) -> anyhow::Result<()> {
    let ledger = Ledger::open(path)?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(format!("Pledger — {}", path.display()))
        .with_app_id(APP_ID)
        .with_inner_size([1280.0, 880.0])
        .with_min_inner_size([820.0, 560.0])
        .with_drag_and_drop(true);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Wgpu,
        ..Default::default()
    };
    eframe::run_native(
        APP_ID,
        options,
        Box::new(|cc| {
            let mut app = PledgerApp::from_creation_context(cc, ledger);
            if let Some(workbook) = workbook {
                app.push(Command::StartImport(workbook));
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
