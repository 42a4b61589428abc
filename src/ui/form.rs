//! The one way the app's forms are laid out: a window of labelled fields in two columns
//! (the label left, the field right, the field's validation message under it), each field
//! named for screen readers and tests by its label; then Save, Cancel and an optional
//! two-step Delete. Enter saves (but in a text of several lines), Escape cancels (but in an
//! open list).

use std::collections::HashMap;

use egui::{Id, RichText, Ui};

use super::format::t;
use super::pie::color;
use crate::chart::palette;
use crate::domain::Lang;
use crate::domain::{ListKind, ReferenceLists};

/// What the user asked of a form this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormAction {
    /// Nothing yet.
    None,
    /// Save (the button, or Enter).
    Save,
    /// Close without saving (the button, or Escape).
    Cancel,
    /// Delete, confirmed.
    Delete,
}

/// Validation messages by field key ("signed_on", "name"), shown under their field.
pub type FieldErrors = HashMap<&'static str, String>;

/// The rows of a form's grid.
pub struct Fields<'u> {
    ui: &'u mut Ui,
    errors: &'u FieldErrors,
    /// Text fields of several lines, where Enter is a new line, not Save.
    multiline: Vec<Id>,
}

impl Fields<'_> {
    /// A row: `label`, then what `add` lays out, then the messages of fields `keys`.
    pub fn row(&mut self, label: &str, keys: &[&str], add: impl FnOnce(&mut Ui)) {
        self.ui.label(label);
        let errors = self.errors;
        self.ui.vertical(|ui| {
            add(ui);
            for message in keys.iter().filter_map(|k| errors.get(k)) {
                ui.label(RichText::new(message).color(color(palette::ERROR)).small());
            }
        });
        self.ui.end_row();
    }

    /// A text field, `width` wide (the column's width when `None`), with a `hint`.
    pub fn text(
        &mut self,
        label: &str,
        key: &str,
        value: &mut String,
        width: Option<f32>,
        hint: Option<&str>,
    ) {
        self.row(label, &[key], |ui| {
            let mut edit = egui::TextEdit::singleline(value);
            if let Some(w) = width {
                edit = edit.desired_width(w);
            }
            if let Some(h) = hint {
                edit = edit.hint_text(h);
            }
            labelled(ui.add(edit), egui::Role::TextInput, label);
        });
    }

    /// A text field of several lines.
    pub fn multiline(&mut self, label: &str, key: &str, value: &mut String) {
        let mut id = None;
        self.row(label, &[key], |ui| {
            let response = ui.text_edit_multiline(value);
            id = Some(response.id);
            labelled(response, egui::Role::MultilineTextInput, label);
        });
        self.multiline.extend(id);
    }

    /// A choice among `options` (value, text), the current one shown.
    pub fn choice<'o, T: PartialEq + Clone + 'o>(
        &mut self,
        label: &str,
        key: &str,
        value: &mut T,
        options: impl Iterator<Item = (T, &'o str)> + Clone,
        empty: &str,
    ) {
        self.row(label, &[key], |ui| {
            choice_ui(ui, label, value, options, empty)
        });
    }
}

/// A combo box of `options` labelled `label` (its id too), `empty` when none is chosen. The
/// options are gone through when shown: the current one's text, and the list when open.
pub fn choice_ui<'o, T: PartialEq + Clone + 'o>(
    ui: &mut Ui,
    label: &str,
    value: &mut T,
    options: impl Iterator<Item = (T, &'o str)> + Clone,
    empty: &str,
) {
    let current = options
        .clone()
        .find(|(v, _)| v == value)
        .map_or(empty, |(_, text)| text);
    let response = egui::ComboBox::from_id_salt(label)
        .selected_text(current)
        .width(300.0)
        .height(400.0)
        .show_ui(ui, |ui| {
            for (v, text) in options {
                ui.selectable_value(value, v, text);
            }
        })
        .response;
    labelled(response, egui::Role::ComboBox, label);
}

/// The entries of list `kind` as a choice's options: key, label in `lang`.
pub fn list_options(
    lists: &ReferenceLists,
    kind: ListKind,
    lang: Lang,
) -> impl Iterator<Item = (String, &str)> + Clone {
    lists
        .list(kind)
        .iter()
        .map(move |e| (e.key.clone(), e.label(lang)))
}

/// Names `response` by `label`, for screen readers and tests.
pub fn labelled(response: egui::Response, role: egui::Role, label: &str) -> egui::Response {
    response.widget_info(|| egui::WidgetInfo::labeled(role, true, label));
    response
}

/// A form's window: the fields `fields` lays out, the message for `errors`, Save and
/// Cancel, and, when `confirm_delete` is given (an existing record), Delete… which asks
/// again (`confirm_delete` is true while it waits for the second click). `more` lays out
/// what comes below the buttons.
#[allow(clippy::too_many_arguments, reason = "a form's parts, each its own")]
pub fn form_window_ui(
    ctx: &egui::Context,
    lang: Lang,
    title: &str,
    width: f32,
    errors: &FieldErrors,
    confirm_delete: Option<&mut bool>,
    fields: impl FnOnce(&mut Fields<'_>),
    more: impl FnOnce(&mut Ui),
) -> FormAction {
    let mut action = FormAction::None;
    // Escape closes an open list first: whether one was open is taken before this frame's
    // widgets see the key.
    let popup = egui::Popup::is_any_open(ctx);
    egui::Window::new(title)
        .collapsible(false)
        .resizable(true)
        .default_width(width)
        .show(ctx, |ui| {
            let mut multiline = Vec::new();
            egui::Grid::new((title, "form"))
                .num_columns(2)
                .spacing([10.0, 6.0])
                .show(ui, |ui| {
                    let mut rows = Fields {
                        ui,
                        errors,
                        multiline: Vec::new(),
                    };
                    fields(&mut rows);
                    multiline = rows.multiline;
                });
            ui.separator();
            ui.horizontal(|ui| {
                if ui.button(t(lang, "Save", "保存")).clicked() {
                    action = FormAction::Save;
                }
                if ui.button(t(lang, "Cancel", "取消")).clicked() {
                    action = FormAction::Cancel;
                }
                if let Some(armed) = confirm_delete {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if *armed {
                            let really = RichText::new(t(lang, "Really delete", "确认删除"))
                                .color(color(palette::ERROR));
                            if ui.button(really).clicked() {
                                *armed = false;
                                action = FormAction::Delete;
                            }
                        } else if ui.button(t(lang, "Delete…", "删除…")).clicked() {
                            *armed = true;
                        }
                    });
                }
            });
            if !errors.is_empty() {
                ui.label(
                    RichText::new(t(
                        lang,
                        "Fix the fields marked in red.",
                        "请修正标红的字段。",
                    ))
                    .color(color(palette::ERROR)),
                );
            }
            more(ui);
            if action == FormAction::None {
                action = keys(ui.ctx(), &multiline, popup);
            }
        });
    action
}

/// Enter saves unless a text of several lines has the focus; Escape cancels unless a list
/// is open (Escape closes the list first).
fn keys(ctx: &egui::Context, multiline: &[Id], popup: bool) -> FormAction {
    let focused = ctx.memory(|m| m.focused());
    let in_multiline = focused.is_some_and(|f| multiline.contains(&f));
    ctx.input(|i| {
        if i.key_pressed(egui::Key::Enter) && !in_multiline && !popup {
            FormAction::Save
        } else if i.key_pressed(egui::Key::Escape) && !popup {
            FormAction::Cancel
        } else {
            FormAction::None
        }
    })
}
