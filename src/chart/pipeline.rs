//! The pipeline chart: one bar per open stage (the road from identified to pledged, then on
//! hold), the nominal ask in the reporting currency with its weighted part inside it, the
//! count of deals, from the figures of `report::pipeline` (never summed again here).

use rust_decimal::Decimal;

use super::{Rgb, amount_text, palette};
use crate::domain::{Currency, Lang, Stage};
use crate::report::{ByCurrency, NeededRate, Pipeline, StageFigures};

/// A stage's name in `lang`.
pub fn stage_label(stage: Stage, lang: Lang) -> &'static str {
    match (stage, lang) {
        (Stage::Identified, Lang::En) => "Identified",
        (Stage::Identified, Lang::Zh) => "已识别",
        (Stage::Contacted, Lang::En) => "Contacted",
        (Stage::Contacted, Lang::Zh) => "已联系",
        (Stage::ConceptNote, Lang::En) => "Concept note",
        (Stage::ConceptNote, Lang::Zh) => "概念说明",
        (Stage::ProposalSubmitted, Lang::En) => "Proposal submitted",
        (Stage::ProposalSubmitted, Lang::Zh) => "已提交提案",
        (Stage::Negotiation, Lang::En) => "Negotiation",
        (Stage::Negotiation, Lang::Zh) => "谈判中",
        (Stage::Pledged, Lang::En) => "Pledged",
        (Stage::Pledged, Lang::Zh) => "已认捐",
        (Stage::Signed, Lang::En) => "Signed",
        (Stage::Signed, Lang::Zh) => "已签署",
        (Stage::Lost, Lang::En) => "Lost",
        (Stage::Lost, Lang::Zh) => "已失去",
        (Stage::Declined, Lang::En) => "Declined",
        (Stage::Declined, Lang::Zh) => "已拒绝",
        (Stage::OnHold, Lang::En) => "On hold",
        (Stage::OnHold, Lang::Zh) => "暂停",
    }
}

/// The stages the chart draws: the open road, then on hold.
pub const CHART_STAGES: [Stage; 7] = [
    Stage::Identified,
    Stage::Contacted,
    Stage::ConceptNote,
    Stage::ProposalSubmitted,
    Stage::Negotiation,
    Stage::Pledged,
    Stage::OnHold,
];

/// The reporting-currency total of a stage's figures, in minor units, when rates allowed.
pub fn total_minor(figures: &ByCurrency, currency: Currency) -> Option<i128> {
    let mut d: Decimal = *figures.get("total")?;
    d.rescale(currency.minor_digits());
    Some(d.mantissa())
}

/// What the chart is drawn from, kept from a [`Pipeline`] without its borrowed texts.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineFigures {
    /// The day.
    pub as_of: chrono::NaiveDate,
    /// The reporting currency.
    pub currency: Currency,
    /// Every stage's figures, like [`Stage::ALL`].
    pub stages: Vec<StageFigures>,
    /// Rates needed and missing.
    pub missing_rates: Vec<NeededRate>,
    /// Next actions overdue on the day.
    pub overdue_count: usize,
}

/// One stage's bar.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineBar {
    /// The stage.
    pub stage: Stage,
    /// Its name in the chart's language.
    pub label: String,
    /// How many deals stand in it.
    pub count: u64,
    /// Their asks in the reporting currency, minor units; `None` when a rate is missing.
    pub nominal_minor: Option<i128>,
    /// The same weighted by each deal's probability.
    pub weighted_minor: Option<i128>,
    /// `1,800,000.00`, or what is missing.
    pub nominal_text: String,
    /// `720,000.00`, or what is missing.
    pub weighted_text: String,
    /// The nominal bar's length as a share of the longest (0..1), for drawing only.
    pub nominal_fraction: f64,
    /// The weighted bar's length as a share of the longest (0..1), for drawing only.
    pub weighted_fraction: f64,
}

/// The pipeline by stage on a day.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineChart {
    /// Title in the chart's language.
    pub title: String,
    /// `as of 2024-05-01 · USD`.
    pub subtitle: String,
    /// The day of the figures.
    pub as_of: chrono::NaiveDate,
    /// The reporting currency.
    pub currency: Currency,
    /// One bar per stage of [`CHART_STAGES`].
    pub bars: Vec<PipelineBar>,
    /// The legend's two entries: nominal, weighted.
    pub legend: [String; 2],
    /// Colours of the nominal and the weighted bars.
    pub colors: [Rgb; 2],
    /// Deals still being worked.
    pub open_count: u64,
    /// Their asks in the reporting currency; `None` when a rate is missing.
    pub nominal_total_minor: Option<i128>,
    /// Their weighted asks.
    pub weighted_total_minor: Option<i128>,
    /// Next actions overdue.
    pub overdue_count: usize,
    /// Which rates are missing, when some are; else empty.
    pub note: String,
    /// Shown instead of the bars when there is no open deal.
    pub empty_text: String,
}

/// `part / whole` for drawing only.
#[allow(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    reason = "chart geometry; money stays integer"
)]
fn fraction(part: Option<i128>, whole: i128) -> f64 {
    match part {
        Some(p) if whole > 0 => (p as f64 / whole as f64).clamp(0.0, 1.0),
        _ => 0.0,
    }
}

impl PipelineChart {
    /// The chart of `pipeline`, labelled in `lang`.
    pub fn from_pipeline(pipeline: &Pipeline<'_>, lang: Lang) -> PipelineChart {
        PipelineChart::from_figures(
            &PipelineFigures {
                as_of: pipeline.as_of,
                currency: pipeline.currency,
                stages: pipeline.stages.clone(),
                missing_rates: pipeline.missing_rates.clone(),
                overdue_count: pipeline.overdue_actions.len(),
            },
            lang,
        )
    }

    /// The chart of the figures kept from a pipeline, labelled in `lang`.
    pub fn from_figures(pipeline: &PipelineFigures, lang: Lang) -> PipelineChart {
        let currency = pipeline.currency;
        let missing_text = match lang {
            Lang::En => "no rate",
            Lang::Zh => "缺汇率",
        };
        let text = |m: Option<i128>| {
            m.map_or_else(|| missing_text.to_owned(), |m| amount_text(m, currency))
        };
        let figures: Vec<_> = CHART_STAGES
            .iter()
            .filter_map(|s| pipeline.stages.iter().find(|f| f.stage == *s))
            .collect();
        let longest = figures
            .iter()
            .filter_map(|f| total_minor(&f.nominal, currency))
            .max()
            .unwrap_or(0);
        let bars: Vec<PipelineBar> = figures
            .iter()
            .map(|f| {
                let nominal = total_minor(&f.nominal, currency);
                let weighted = total_minor(&f.weighted, currency);
                PipelineBar {
                    stage: f.stage,
                    label: stage_label(f.stage, lang).to_owned(),
                    count: f.count,
                    nominal_minor: nominal,
                    weighted_minor: weighted,
                    nominal_text: text(nominal),
                    weighted_text: text(weighted),
                    nominal_fraction: fraction(nominal, longest),
                    weighted_fraction: fraction(weighted, longest),
                }
            })
            .collect();
        let open: Vec<_> = pipeline
            .stages
            .iter()
            .filter(|f| f.stage.is_open())
            .collect();
        let sum = |weighted: bool| {
            open.iter().try_fold(0i128, |acc, f| {
                let figures = if weighted { &f.weighted } else { &f.nominal };
                total_minor(figures, currency).map(|m| acc + m)
            })
        };
        let note = if pipeline.missing_rates.is_empty() {
            String::new()
        } else {
            let codes: Vec<String> = pipeline
                .missing_rates
                .iter()
                .map(|r| format!("{}/{}", r.currency, r.quote))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            match lang {
                Lang::En => format!(
                    "Totals leave out amounts without an exchange rate: {}",
                    codes.join(", ")
                ),
                Lang::Zh => format!("合计不含缺少汇率的金额：{}", codes.join("、")),
            }
        };
        let (subtitle, legend, empty) = match lang {
            Lang::En => (
                format!("as of {} · {currency}", pipeline.as_of),
                ["Asked".to_owned(), "Weighted by probability".to_owned()],
                "No open deals",
            ),
            Lang::Zh => (
                format!("截至 {} · {currency}", pipeline.as_of),
                ["申请金额".to_owned(), "按概率加权".to_owned()],
                "没有进行中的洽谈",
            ),
        };
        PipelineChart {
            title: super::ChartKind::Pipeline.title(lang).to_owned(),
            subtitle,
            as_of: pipeline.as_of,
            currency,
            bars,
            legend,
            colors: [palette::PIPELINE_ASKED, palette::PIPELINE_WEIGHTED],
            open_count: open.iter().map(|f| f.count).sum(),
            nominal_total_minor: sum(false),
            weighted_total_minor: sum(true),
            overdue_count: pipeline.overdue_count,
            note,
            empty_text: empty.to_owned(),
        }
    }

    /// Whether there is anything to draw.
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|b| b.count == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Money, Opportunity, OpportunityId, PartnerId, Period, RateTable, StageProbabilities,
    };
    use crate::report::{PipelineInput, pipeline};

    #[test]
    fn bars_take_the_reports_totals_and_leave_out_what_has_no_rate() {
        let day = chrono::NaiveDate::from_ymd_opt(2022, 6, 1).unwrap();
        let deal = |id, stage, minor, currency: &str| Opportunity {
            id: OpportunityId(id),
            reference: None,
            partner_id: PartnerId(1),
            title: "d".into(),
            themes: vec![],
            region: "africa".into(),
            ask: Some(Money::from_minor(minor, currency.parse().unwrap())),
            stage,
            probability_bp: None,
            expected_signing: None,
            next_action: String::new(),
            next_action_due: None,
            owner: String::new(),
            reason: String::new(),
            agreement_id: None,
        };
        let deals = vec![
            deal(1, Stage::Negotiation, 10_000, "USD"),
            deal(2, Stage::Negotiation, 5_000, "USD"),
            deal(3, Stage::Identified, 1_000, "EUR"),
        ];
        let rates = RateTable::new(vec![]);
        let probabilities = StageProbabilities::default();
        let input = PipelineInput {
            deals: &deals,
            changes: &[],
            partners: &[],
            rates: &rates,
            reporting: "USD".parse().unwrap(),
            probabilities: &probabilities,
        };
        let p = pipeline(&input, day, &Period::year(2022).unwrap());
        let chart = PipelineChart::from_pipeline(&p, Lang::En);
        let negotiation = &chart.bars[4];
        assert_eq!(negotiation.stage, Stage::Negotiation);
        assert_eq!(
            (negotiation.count, negotiation.nominal_minor),
            (2, Some(15_000))
        );
        assert_eq!(negotiation.weighted_minor, Some(9_000));
        assert_eq!(negotiation.nominal_text, "150.00");
        assert!((negotiation.nominal_fraction - 1.0).abs() < 1e-9);
        assert_eq!(chart.bars[0].nominal_minor, None);
        assert_eq!(chart.bars[0].nominal_text, "no rate");
        assert_eq!(chart.open_count, 3);
        assert_eq!(chart.nominal_total_minor, None);
        assert!(chart.note.contains("EUR/USD"), "{}", chart.note);
    }
}
