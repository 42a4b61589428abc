//! Plain-text tables for the terminal, aligned for both Latin and Chinese text.

use std::fmt::Write;

use crate::domain::{
    Agreement, Lang, ListKind, Partner, PartnerId, ReferenceLists, group_thousands,
    minor_to_decimal,
};
use crate::import::{Action, EncodingChoice, Plan, Severity, TextEncoding};
use crate::report::{Report, Slice, tenths_text};

/// Display width: East Asian wide characters take two columns.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{1100}'..='\u{115f}').contains(&c)
                || ('\u{2e80}'..='\u{a4cf}').contains(&c)
                || ('\u{ac00}'..='\u{d7a3}').contains(&c)
                || ('\u{f900}'..='\u{faff}').contains(&c)
                || ('\u{fe30}'..='\u{fe4f}').contains(&c)
                || ('\u{ff00}'..='\u{ff60}').contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

fn pad(text: &str, to: usize) -> String {
    let mut s = text.to_string();
    s.extend(std::iter::repeat_n(' ', to.saturating_sub(width(text))));
    s
}

fn clip(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out) + width(&c.to_string()) > max.saturating_sub(1) {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The partners list.
pub fn partners_table(
    partners: &[Partner],
    lists: &ReferenceLists,
    count: &dyn Fn(PartnerId) -> usize,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} {:>3}  {:<7} Aliases",
        pad("Partner", 60),
        pad("Type", 28),
        "#",
        "Country"
    );
    for p in partners {
        let _ = writeln!(
            out,
            "{} {} {:>3}  {:<7} {}",
            pad(&clip(&p.name, 60), 60),
            pad(
                &clip(
                    lists.label(ListKind::PartnerType, &p.partner_type, Lang::En),
                    28
                ),
                28
            ),
            count(p.id),
            p.country.as_deref().unwrap_or("-"),
            p.aliases.join(" | ")
        );
    }
    let _ = writeln!(
        out,
        "{}",
        self::count(partners.len(), "partner", "partners")
    );
    out
}

/// The agreements list.
pub fn agreements_table(agreements: &[Agreement], partner: &dyn Fn(PartnerId) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<12} {:<10} {:<9} {} {:>18}  Region",
        "Reference",
        "Signed",
        "Status",
        pad("Partner", 44),
        "Contribution"
    );
    for a in agreements {
        let money = a
            .contribution
            .map_or_else(|| "non-financial".to_string(), |m| m.to_string());
        let _ = writeln!(
            out,
            "{:<12} {:<10} {:<9} {} {:>18}  {}",
            a.reference.as_deref().unwrap_or("-"),
            a.signed_on,
            a.status.as_str(),
            pad(&clip(&partner(a.partner_id), 44), 44),
            money,
            a.region
        );
    }
    let _ = writeln!(
        out,
        "{}",
        count(agreements.len(), "agreement", "agreements")
    );
    out
}

struct Words {
    title: &'static str,
    signed: &'static str,
    financial: &'static str,
    partners_total: &'static str,
    own_total: &'static str,
    cofunding: &'static str,
    by_type: &'static str,
    by_region: &'static str,
    by_theme: &'static str,
    top: &'static str,
    amounts_in: &'static str,
    empty: &'static str,
}

const EN: Words = Words {
    title: "Partnerships and resource mobilization",
    signed: "Agreements signed",
    financial: "  with a financial contribution",
    partners_total: "Partners' contributions",
    own_total: "Own co-funding part",
    cofunding: "Co-funding composition",
    by_type: "Partners' signed financial contributions by type",
    by_region: "By region",
    by_theme: "By thematic priority",
    top: "Top funding partners",
    amounts_in: "amounts in",
    empty: "(no financial contribution in this period)",
};

const ZH: Words = Words {
    title: "伙伴关系和资源筹措",
    signed: "签署的协议",
    financial: "  其中涉及财务捐款",
    partners_total: "合作伙伴捐款",
    own_total: "国际电联部分",
    cofunding: "共同出资安排的构成",
    by_type: "按类型排列的合作伙伴已签约财务捐款",
    by_region: "按区域排列",
    by_theme: "按专题重点工作排列",
    top: "捐款最多的供资伙伴",
    amounts_in: "金额单位",
    empty: "（本期没有财务捐款）",
};

fn slices_text(
    out: &mut String,
    heading: &str,
    slices: &[Slice],
    report: &Report,
    lang: Lang,
    empty: &str,
) {
    let _ = writeln!(out, "\n{heading}");
    if slices.is_empty() {
        let _ = writeln!(out, "  {empty}");
        return;
    }
    for s in slices {
        let amount = group_thousands(&minor_to_decimal(s.amount_minor, report.currency));
        let _ = writeln!(
            out,
            "  {} {:>18} {:>6} %",
            pad(&clip(s.label(lang), 58), 58),
            amount,
            tenths_text(s.percent_tenths)
        );
    }
}

/// The report as a readable page.
pub fn report_text(report: &Report, lang: Lang) -> String {
    let w = if lang == Lang::Zh { &ZH } else { &EN };
    let money = |m: i128| group_thousands(&minor_to_decimal(m, report.currency));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} ({} .. {}), {} {}",
        w.title,
        report.period.label(),
        report.period.from,
        report.period.to,
        w.amounts_in,
        report.currency
    );
    let _ = writeln!(
        out,
        "\n{} {:>8}",
        pad(w.signed, 40),
        report.agreements_signed
    );
    let _ = writeln!(
        out,
        "{} {:>8}",
        pad(w.financial, 40),
        report.agreements_financial
    );
    let _ = writeln!(
        out,
        "{} {:>20}",
        pad(w.partners_total, 40),
        money(report.partner_total_minor)
    );
    let _ = writeln!(
        out,
        "{} {:>20}",
        pad(w.own_total, 40),
        money(report.own_total_minor)
    );
    slices_text(
        &mut out,
        w.cofunding,
        &report.cofunding,
        report,
        lang,
        w.empty,
    );
    slices_text(
        &mut out,
        w.by_type,
        &report.by_partner_type,
        report,
        lang,
        w.empty,
    );
    slices_text(
        &mut out,
        w.by_region,
        &report.by_region,
        report,
        lang,
        w.empty,
    );
    slices_text(
        &mut out,
        w.by_theme,
        &report.by_theme,
        report,
        lang,
        w.empty,
    );
    let _ = writeln!(out, "\n{}", w.top);
    if report.top_partners.is_empty() {
        let _ = writeln!(out, "  {}", w.empty);
    }
    for t in &report.top_partners {
        let _ = writeln!(
            out,
            "  {}. {} {:>18} {:>6} %",
            t.rank,
            pad(&clip(t.display_name(lang), 55), 55),
            money(t.amount_minor),
            t.share.percent_text()
        );
    }
    out
}

/// "1 agreement", "2 agreements": a count with its noun in the right number.
pub fn count(n: usize, one: &str, many: &str) -> String {
    let n_text = group_thousands(&rust_decimal::Decimal::from(n));
    format!("{n_text} {}", if n == 1 { one } else { many })
}

/// How a text file was read: "read as windows-1252 (detected; --encoding NAME chooses)".
pub fn encoding_text(encoding: &TextEncoding) -> String {
    let how = match encoding.chosen {
        EncodingChoice::Utf8 => "",
        EncodingChoice::Bom => " (told by its byte-order mark)",
        EncodingChoice::Detected => " (detected; --encoding NAME chooses)",
        EncodingChoice::Given => " (as given)",
    };
    format!("read as {}{how}", encoding.name)
}

/// An import plan: mapping, counts, differences and warnings.
pub fn plan_text(plan: &Plan, fields: &[(&str, bool)], dry_run: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{} — sheet '{}', header on row {}",
        plan.file, plan.sheet, plan.header_row
    );
    let _ = match &plan.encoding {
        Some(e) => writeln!(out, "; {}", encoding_text(e)),
        None => writeln!(out),
    };
    for (header, field) in &plan.mapped {
        let _ = writeln!(out, "  {} -> {field}", pad(header, 32));
    }
    for g in &plan.unmapped {
        let values = if g.examples.is_empty() {
            "no values".to_string()
        } else {
            g.examples.join(", ")
        };
        let _ = write!(
            out,
            "  not mapped: column {} \"{}\" ({values}): ",
            g.column, g.header
        );
        let _ = match g.field {
            Some(f) => writeln!(
                out,
                "looks like {f} ({}); to import it: --map \"{f}={}\"",
                g.reason, g.header
            ),
            None => writeln!(
                out,
                "{}; to import it: --map \"FIELD={}\" (fields: {})",
                g.reason,
                g.header,
                fields
                    .iter()
                    .map(|(f, _)| *f)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
    }
    let (created, updated, unchanged) = plan.counts();
    let blocked = plan.blocked_row_count();
    let new_partners = plan.new_partners.len();
    let _ = writeln!(
        out,
        "{}: {created} new, {updated} updated, {unchanged} unchanged; {}; {}; {}",
        if dry_run {
            "Plan (dry run, nothing written)"
        } else {
            "Plan"
        },
        count(new_partners, "new partner", "new partners"),
        count(blocked, "row with errors", "rows with errors"),
        count(plan.skipped_rows, "row skipped", "rows skipped"),
    );
    if plan.non_financial > 0 {
        let _ = writeln!(
            out,
            "  {}",
            count(plan.non_financial, "agreement", "agreements")
                + " without a financial contribution (blank, in kind, n/a…): imported as non-financial"
        );
    }
    for p in &plan.new_partners {
        let _ = writeln!(out, "  new partner: {} ({})", p.name, p.partner_type);
    }
    if !plan.near_matches.is_empty() {
        let _ = writeln!(
            out,
            "Partner names that look like ledger partners (same partner: --match \"SPELLING=PARTNER\"; a new partner: --new \"SPELLING\"; or --decisions FILE, or --ask):"
        );
        for m in &plan.near_matches {
            let _ = writeln!(
                out,
                "  row {}: \"{}\" looks like \"{}\" ({} % alike){}: --match \"{}={}\" or --new \"{}\"",
                m.row,
                m.spelling,
                m.partner,
                m.percent,
                if m.needs_decision {
                    "; waits for a decision"
                } else {
                    ""
                },
                m.spelling,
                m.partner,
                m.spelling
            );
        }
    }
    for t in &plan.new_themes {
        let _ = writeln!(out, "  new theme: {}", t.label_en);
    }
    for row in &plan.rows {
        if let Action::Update { changes, .. } = &row.action {
            let _ = writeln!(
                out,
                "  row {} updates {}:",
                row.row,
                if row.label.is_empty() {
                    "what it names"
                } else {
                    &row.label
                }
            );
            for (field, old, new) in changes {
                let _ = writeln!(out, "    {field}: {old} -> {new}");
            }
        }
    }
    for p in plan
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
    {
        let _ = writeln!(out, "{p}");
    }
    out
}

/// `pledger receivables` as text: one line an agreement, then by partner, the ageing, the
/// cash expected by quarter, the exchange gain or loss and the rates missing.
pub fn receivables_text(r: &crate::report::Receivables) -> String {
    let money = |amount: &rust_decimal::Decimal, c: &dyn std::fmt::Display| {
        format!("{c} {}", crate::domain::group_thousands(amount))
    };
    let mut out = String::new();
    let _ = writeln!(out, "Receivables as of {} ({})", r.as_of, r.currency);
    let _ = writeln!(
        out,
        "{} {} {:>20} {:>20} {:>20} {:>20}",
        pad("Agreement", 14),
        pad("Partner", 28),
        "Signed",
        "Received",
        "Outstanding",
        "Overdue"
    );
    for a in &r.agreements {
        let _ = writeln!(
            out,
            "{} {} {:>20} {:>20} {:>20} {:>20}",
            pad(&a.reference, 14),
            pad(&clip(&a.partner, 28), 28),
            money(&a.signed, &a.currency),
            money(&a.received, &a.currency),
            money(&a.outstanding, &a.currency),
            money(&a.overdue, &a.currency),
        );
    }
    let t = &r.totals;
    let c = &r.currency;
    let _ = writeln!(
        out,
        "Total ({c}, at the rates of {}): signed {}, received {}, outstanding {}, overdue {}",
        r.as_of,
        money(&t.signed, c),
        money(&t.received, c),
        money(&t.outstanding, c),
        money(&t.overdue, c)
    );
    let _ = writeln!(out, "By partner:");
    for p in &r.partners {
        let _ = writeln!(
            out,
            "  {} outstanding {}, overdue {}",
            pad(&clip(&p.partner, 40), 40),
            money(&p.amounts.outstanding, c),
            money(&p.amounts.overdue, c)
        );
    }
    let ageing: Vec<String> = r
        .ageing
        .iter()
        .map(|(days, amount)| format!("{days} days {}", money(amount, c)))
        .collect();
    let _ = writeln!(out, "Overdue by age: {}", ageing.join("; "));
    let expected: Vec<String> = r
        .expected_by_quarter
        .iter()
        .map(|(q, amount)| format!("{q} {}", money(amount, c)))
        .collect();
    let _ = writeln!(
        out,
        "Expected by quarter: {}",
        if expected.is_empty() {
            "nothing scheduled".to_string()
        } else {
            expected.join("; ")
        }
    );
    let _ = writeln!(
        out,
        "Exchange gain or loss on receipts (rate obtained against the ledger's): {}",
        money(&r.exchange_gain_loss, c)
    );
    for m in &r.missing_rates {
        let _ = writeln!(
            out,
            "Missing rate: {} to {} on {} (left out of the sums; set it with: pledger rate set {} {} RATE)",
            m.currency, m.quote, m.date, m.currency, m.date
        );
    }
    for m in &r.too_large {
        let _ = writeln!(
            out,
            "Too large to convert: {} to {} on {} (the rate is there; the sum passes what Pledger holds and is left out)",
            m.currency, m.quote, m.date
        );
    }
    out
}

/// `pledger due` as text: what is late, then what falls due soon.
pub fn due_text(due: &crate::report::Due) -> String {
    let mut out = String::new();
    let line = |out: &mut String, i: &crate::report::DueItem| {
        let when = match i.days {
            d if d < 0 => format!("{} days late", -d),
            0 => "today".to_string(),
            d => format!("in {d} days"),
        };
        let _ = writeln!(
            out,
            "  {}  {} {} ({}): {}",
            i.due_on,
            pad(&i.reference, 12),
            pad(&clip(&i.partner, 32), 32),
            when,
            i.what
        );
    };
    let _ = writeln!(out, "Late on {}: {}", due.as_of, due.late.len());
    for i in &due.late {
        line(&mut out, i);
    }
    let _ = writeln!(
        out,
        "Due in the next {} days: {}",
        due.within_days,
        due.soon.len()
    );
    for i in &due.soon {
        line(&mut out, i);
    }
    out
}

/// An amount per currency, with the total: `USD 1,000.00 + EUR 500.00 = USD 1,550.00`.
fn by_currency(amounts: &crate::report::ByCurrency, reporting: &str) -> String {
    let parts: Vec<String> = amounts
        .iter()
        .filter(|(c, _)| c.as_str() != "total")
        .map(|(c, a)| format!("{c} {}", crate::domain::group_thousands(a)))
        .collect();
    if parts.is_empty() {
        return "-".into();
    }
    let mut out = parts.join(" + ");
    match amounts.get("total") {
        Some(t) if parts.len() > 1 || !amounts.contains_key(reporting) => {
            let _ = write!(out, " = {reporting} {}", crate::domain::group_thousands(t));
        }
        Some(_) => {}
        None => out.push_str(" (no total: a rate is missing)"),
    }
    out
}

/// `pledger pipeline` as text: a line a stage, the expected signings by quarter, won and
/// lost, days per stage, overdue actions, the rates missing.
pub fn pipeline_text(p: &crate::report::Pipeline) -> String {
    let c = p.currency.code();
    let mut out = String::new();
    let _ = writeln!(out, "Pipeline as of {} ({c})", p.as_of);
    for s in &p.stages {
        let _ = writeln!(
            out,
            "{} {:>4}  nominal {}; weighted {}",
            pad(s.stage.as_str(), 19),
            s.count,
            by_currency(&s.nominal, c),
            by_currency(&s.weighted, c)
        );
    }
    let _ = writeln!(out, "Expected signings (weighted), by quarter:");
    for (q, amounts) in &p.expected_by_quarter {
        let _ = writeln!(out, "  {q}  {}", by_currency(amounts, c));
    }
    let conversion = p
        .conversion_percent
        .map_or_else(|| "-".to_string(), |c| format!("{c} %"));
    let _ = writeln!(
        out,
        "In {}: {} won, {} lost or declined; conversion {conversion}",
        p.period, p.won, p.lost
    );
    for d in &p.days_in_stage {
        let _ = writeln!(
            out,
            "  {} {} days on average ({} stays)",
            pad(d.stage.as_str(), 19),
            d.average_days,
            d.stays
        );
    }
    let _ = writeln!(out, "Next actions overdue: {}", p.overdue_actions.len());
    for a in &p.overdue_actions {
        let _ = writeln!(
            out,
            "  #{} {} ({}): {}, due {} ({} days late){}",
            a.deal.id.0,
            a.deal.title,
            a.partner_name(),
            a.deal.next_action,
            a.due,
            a.days_late,
            if a.deal.owner.is_empty() {
                String::new()
            } else {
                format!(", {}", a.deal.owner)
            }
        );
    }
    for m in &p.missing_rates {
        let _ = writeln!(
            out,
            "Missing rate: {} to {} on {} (pledger rate set {} {} RATE)",
            m.currency, m.quote, m.date, m.currency, m.date
        );
    }
    out
}
