//! Donut charts painted from the chart model: slices as triangle meshes (egui_plot's
//! polygons fill convex shapes only), edges anti-aliased by a thin outline, hover tooltips,
//! clickable slices and a legend whose percentages add to 100.0.

use egui::epaint::{Mesh, PathShape, PathStroke};
use egui::{Color32, Pos2, Sense, Shape, Ui, Vec2};

use crate::chart::{DONUT_HOLE, PieChart, Rgb, donut_outline, palette};

/// The colour of a palette entry, for egui.
pub fn color(rgb: Rgb) -> Color32 {
    Color32::from_rgb(rgb.r, rgb.g, rgb.b)
}

/// A label right-aligned in a cell `min_width` wide (wider if the text needs it), so a grid
/// column of numbers lines up on its last digit without stretching to the window's edge.
pub fn right_aligned_ui(ui: &mut Ui, min_width: f32, text: impl Into<egui::WidgetText>) {
    let galley = text.into().into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let width = galley.size().x.max(min_width);
    ui.allocate_ui_with_layout(
        egui::vec2(width, galley.size().y),
        egui::Layout::right_to_left(egui::Align::Center),
        |ui| {
            ui.set_min_width(width);
            ui.label(galley);
        },
    );
}

/// What the user did with a pie this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PieResponse {
    /// The slice under the pointer, on the donut or in the legend.
    pub hovered: Option<usize>,
    /// The slice clicked, on the donut or in the legend.
    pub clicked: Option<usize>,
}

/// Where the pointer is over a donut of `diameter` centred at `center`: turn and radius
/// as a fraction of the outer radius.
#[allow(clippy::float_arithmetic, reason = "screen geometry")]
fn polar(center: Pos2, diameter: f32, pointer: Pos2) -> (f64, f64) {
    let d = pointer - center;
    let turn = f64::from(d.x).atan2(f64::from(-d.y)) / std::f64::consts::TAU;
    let radius = f64::from(d.length()) / f64::from(diameter / 2.0);
    (turn.rem_euclid(1.0), radius)
}

/// Paints `chart` as a donut with its legend beside it. `selected` is the key of the slice
/// the agreements list is filtered to, drawn pulled out.
#[allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    reason = "screen geometry"
)]
pub fn pie_ui(ui: &mut Ui, chart: &PieChart, selected: Option<&str>, diameter: f32) -> PieResponse {
    let mut out = PieResponse::default();
    ui.label(egui::RichText::new(&chart.title).strong().size(15.0));
    ui.label(
        egui::RichText::new(&chart.subtitle)
            .small()
            .color(color(palette::MUTED)),
    );
    if chart.slices.is_empty() {
        let (rect, _) = ui.allocate_exact_size(Vec2::splat(diameter), Sense::hover());
        ui.painter().text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            &chart.empty_text,
            egui::FontId::proportional(13.0),
            color(palette::MUTED),
        );
        return out;
    }
    ui.horizontal_top(|ui| {
        let (response, painter) = ui.allocate_painter(Vec2::splat(diameter + 12.0), Sense::click());
        let response = response.on_hover_cursor(egui::CursorIcon::PointingHand);
        let center = response.rect.center();
        let outer = f64::from(diameter / 2.0);
        let hovered = response.hover_pos().and_then(|p| {
            let (turn, radius) = polar(center, diameter, p);
            chart.slice_at(turn, radius)
        });
        let background = ui.visuals().panel_fill;
        for (i, slice) in chart.slices.iter().enumerate() {
            let lifted = hovered == Some(i) || selected == Some(slice.key.as_str());
            let grow = if lifted { 6.0 } else { 0.0 };
            let points = donut_outline(
                (f64::from(center.x), f64::from(center.y)),
                outer + grow,
                outer * DONUT_HOLE,
                slice.start_turn,
                slice.end_turn,
                1.0 / 240.0,
            );
            let pts: Vec<Pos2> = points
                .iter()
                .map(|&(x, y)| Pos2::new(x as f32, y as f32))
                .collect();
            let mut mesh = Mesh::default();
            let fill = color(slice.color);
            for p in &pts {
                mesh.colored_vertex(*p, fill);
            }
            let n = u32::try_from(pts.len()).unwrap_or(0);
            let steps = n / 2;
            for k in 0..steps.saturating_sub(1) {
                let (o0, o1) = (k, k + 1);
                let (i0, i1) = (n - 1 - k, n - 2 - k);
                mesh.add_triangle(o0, o1, i1);
                mesh.add_triangle(o0, i1, i0);
            }
            painter.add(Shape::mesh(mesh));
            painter.add(PathShape::closed_line(
                pts,
                PathStroke::new(
                    1.2,
                    if lifted {
                        color(palette::HIGHLIGHT)
                    } else {
                        background
                    },
                ),
            ));
        }
        // Large slices carry their percentage on the ring.
        for slice in &chart.slices {
            let ring = (f64::from(center.x), f64::from(center.y));
            if let Some((x, y)) = slice.percent_label_at(ring, outer, outer * DONUT_HOLE) {
                painter.text(
                    Pos2::new(x as f32, y as f32),
                    egui::Align2::CENTER_CENTER,
                    &slice.percent_text,
                    egui::FontId::proportional(11.0),
                    egui::Color32::WHITE,
                );
            }
        }
        // The total in the hole as a board figure, its currency under it.
        painter.text(
            center - Vec2::new(0.0, 2.0),
            egui::Align2::CENTER_BOTTOM,
            &chart.total_figure.number,
            egui::FontId::proportional(15.0),
            color(palette::TEXT),
        );
        painter.text(
            center + Vec2::new(0.0, 2.0),
            egui::Align2::CENTER_TOP,
            &chart.total_figure.currency,
            egui::FontId::proportional(12.0),
            color(palette::MUTED),
        );
        if let Some(i) = hovered
            && let Some(slice) = chart.slices.get(i)
        {
            response.clone().on_hover_ui_at_pointer(|ui| {
                ui.label(egui::RichText::new(&slice.label).strong());
                ui.label(format!("{} {}", chart.currency, slice.amount_text));
                ui.label(&slice.percent_text);
                // What the group of the smaller ones holds.
                for m in &slice.members {
                    ui.label(
                        egui::RichText::new(format!(
                            "{} · {} · {}",
                            m.label, m.amount_text, m.percent_text
                        ))
                        .small(),
                    );
                }
            });
            out.hovered = Some(i);
        }
        if response.clicked() {
            out.clicked = hovered;
        }
        ui.vertical(|ui| {
            egui::Grid::new(("legend", chart.kind.slug()))
                .num_columns(4)
                .spacing([8.0, 3.0])
                .show(ui, |ui| {
                    for (i, slice) in chart.slices.iter().enumerate() {
                        let (swatch, _) = ui.allocate_exact_size(Vec2::splat(11.0), Sense::hover());
                        ui.painter().rect_filled(swatch, 2.0, color(slice.color));
                        let is_selected = selected == Some(slice.key.as_str());
                        let entry = ui.selectable_label(is_selected, &slice.label);
                        if entry.hovered() {
                            out.hovered = Some(i);
                        }
                        if entry.clicked() {
                            out.clicked = Some(i);
                        }
                        right_aligned_ui(ui, 96.0, &slice.amount_text);
                        right_aligned_ui(ui, 48.0, &slice.percent_text);
                        ui.end_row();
                    }
                    let muted =
                        |t: &str| egui::RichText::new(t).small().color(color(palette::MUTED));
                    ui.label("");
                    ui.label(muted("Σ"));
                    right_aligned_ui(ui, 96.0, muted(&chart.total_text));
                    right_aligned_ui(ui, 48.0, muted("100.0%"));
                    ui.end_row();
                });
        });
    });
    out
}
