//! What a release ships, checked without building one: the command line's help and version,
//! and that the menu entry, the AppStream file, the .deb's assets and the icons agree with
//! the app id and with each other. `packaging/test-deb.sh` checks the installed package.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use pledger::cli::Cli;
use pledger::ui::APP_ID;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The value of `key=` in the `[Desktop Entry]` of a desktop file.
fn desktop_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Width and height from a PNG's header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn help_and_version_read_well() {
    Cli::command().debug_assert();
    let mut command = Cli::command();
    let help = command.render_long_help().to_string();
    assert!(
        help.contains("pledger [OPTIONS] [WORKBOOK] [COMMAND]"),
        "{help}"
    );
    assert!(
        help.contains("Without a command, pledger opens the desktop app"),
        "{help}"
    );
    for name in ["sample", "report", "import", "export", "backup"] {
        assert!(
            help.contains(&format!("\n  {name} ")),
            "no {name} in {help}"
        );
    }
    assert_eq!(
        command.render_version(),
        format!("pledger {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn the_menu_entry_names_the_app_id() {
    let name = format!("packaging/{APP_ID}.desktop");
    let text = read(&name);
    assert_eq!(desktop_value(&text, "Icon"), Some(APP_ID));
    assert_eq!(desktop_value(&text, "StartupWMClass"), Some(APP_ID));
    assert_eq!(desktop_value(&text, "Type"), Some("Application"));
    let exec = desktop_value(&text, "Exec").unwrap();
    assert_eq!(exec.split_whitespace().next(), Some("pledger"));
    // A workbook opened with Pledger goes to the import wizard: the entry takes one file.
    assert_eq!(exec, "pledger %f");
    let types = desktop_value(&text, "MimeType").unwrap();
    for kind in [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.spreadsheet",
        "text/csv",
    ] {
        assert!(types.split(';').any(|t| t == kind), "{kind} in {types}");
    }
    let categories = desktop_value(&text, "Categories").unwrap();
    assert!(categories.contains("Office;") && categories.contains("Finance;"));
}

#[test]
fn the_appstream_file_names_the_app_its_licence_and_this_release() {
    let text = read(&format!("packaging/{APP_ID}.metainfo.xml"));
    assert!(text.contains(&format!("<id>{APP_ID}</id>")));
    assert!(text.contains(&format!(
        r#"<launchable type="desktop-id">{APP_ID}.desktop</launchable>"#
    )));
    assert!(text.contains(&format!(
        "<project_license>{}</project_license>",
        env!("CARGO_PKG_LICENSE")
    )));
    assert!(text.contains("<metadata_license>CC0-1.0</metadata_license>"));
    assert!(text.contains("<content_rating"));
    assert!(text.contains(&format!(
        r#"<release version="{}""#,
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn the_deb_ships_existing_files_and_icons_of_their_size() {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let deb = &manifest["package"]["metadata"]["deb"];
    let assets = deb["assets"].as_array().unwrap();
    let mut destinations = Vec::new();
    for asset in assets {
        let asset = asset.as_array().unwrap();
        let source = asset[0].as_str().unwrap();
        let dest = asset[1].as_str().unwrap();
        destinations.push(dest.to_string());
        if source.starts_with("target/") {
            continue;
        }
        let path = root().join(source);
        assert!(path.is_file(), "{source} is listed in the .deb but missing");
        // hicolor/NxN/apps/ must hold an N x N image.
        if let Some(size) = dest
            .strip_prefix("usr/share/icons/hicolor/")
            .and_then(|r| r.split('/').next())
            .and_then(|d| d.split_once('x'))
        {
            let n: u32 = size.0.parse().unwrap();
            assert_eq!(png_size(&path), (n, n), "{source} installed as {dest}");
        }
    }
    for size in [16, 22, 24, 32, 48, 64, 128, 256, 512] {
        let icon = format!("usr/share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png");
        assert!(destinations.contains(&icon), "no {icon}");
    }
    for dest in [
        "usr/bin/".to_string(),
        format!("usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg"),
        "usr/share/applications/".to_string(),
        "usr/share/metainfo/".to_string(),
    ] {
        assert!(destinations.contains(&dest), "nothing goes to {dest}");
    }
    let depends = deb["depends"].as_str().unwrap();
    for library in ["libc6", "libvulkan1", "libxkbcommon0", "libwayland-client0"] {
        assert!(depends.contains(library), "Depends lacks {library}");
    }
}
