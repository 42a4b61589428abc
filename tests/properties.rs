//! Properties of the report engine over random ledgers: totals equal the exact sum of their
//! inputs, every breakdown adds up to the total, and displayed percentages to 100.0.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use chrono::NaiveDate;
use pledger::domain::{
    Agreement, AgreementId, Currency, ExchangeRate, Money, Partner, PartnerId, Period, Status,
    ThemeShare,
};
use pledger::ledger::Ledger;
use pledger::report::{Snapshot, split_by_weights};
use proptest::prelude::*;
use rust_decimal::Decimal;

#[derive(Clone, Debug)]
struct Row {
    partner: usize,
    day: u32,
    status: u8,
    amount: Option<(i64, bool)>,
    own: i64,
    region: usize,
    themes: (usize, usize, u32),
}

fn row() -> impl Strategy<Value = Row> {
    (
        0usize..4,
        0u32..365,
        0u8..6,
        prop::option::of((1i64..10_000_000_000, any::<bool>())),
        0i64..1_000_000_000,
        0usize..7,
        (0usize..10, 0usize..10, 1u32..10_000),
    )
        .prop_map(|(partner, day, status, amount, own, region, themes)| Row {
            partner,
            day,
            status,
            amount,
            own,
            region,
            themes,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn totals_are_exact_sums_and_percentages_add_to_100(rows in prop::collection::vec(row(), 1..40)) {
        let mut ledger = Ledger::open_in_memory().unwrap();
        let lists = ledger.reference_lists().unwrap();
        let eur: Currency = "EUR".parse().unwrap();
        let rate: Decimal = "1.1371".parse().unwrap();
        let types = ["government", "un", "private", "other"];
        let ids: Vec<PartnerId> = ledger.write(|w| {
            w.set_rate(&ExchangeRate { currency: eur, quote: Currency::USD, valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(), rate })?;
            types.iter().enumerate().map(|(i, t)| w.add_partner(&Partner {
                id: PartnerId(0), name: format!("P{i}"), name_zh: None, partner_type: (*t).into(), country: None, aliases: vec![],
            })).collect()
        }).unwrap();
        let mut expected_total: i128 = 0;
        let mut expected_own: i128 = 0;
        let mut expected_signed = 0u64;
        ledger.write(|w| {
            for r in &rows {
                let signed_on = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Duration::days(i64::from(r.day));
                let status = match r.status { 0 => Status::Draft, 1 => Status::Cancelled, _ => Status::Signed };
                let contribution = r.amount.map(|(m, is_eur)| Money::from_minor(m, if is_eur { eur } else { Currency::USD }));
                let (t1, t2, w1) = r.themes;
                let themes = if t1 == t2 {
                    vec![ThemeShare { theme: lists.themes[t1].key.clone(), percent_bp: 10_000 }]
                } else {
                    vec![ThemeShare { theme: lists.themes[t1].key.clone(), percent_bp: w1 }, ThemeShare { theme: lists.themes[t2].key.clone(), percent_bp: 10_000 - w1 }]
                };
                if status == Status::Signed {
                    expected_signed += 1;
                    if let Some(c) = contribution {
                        // Converted to hundredths of a cent, summed, rounded once.
                        let converted = if c.currency == eur { c.amount() * rate } else { c.amount() };
                        let sub = converted.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero) * Decimal::from(10_000);
                        expected_total += sub.mantissa() / 10i128.pow(sub.scale());
                        expected_own += i128::from(r.own) * 100;
                    }
                }
                w.add_agreement(&Agreement {
                    id: AgreementId(0), reference: None, title: String::new(), partner_id: ids[r.partner], signed_on, status,
                    contribution, value_date: None, own_part: Some(Money::from_minor(r.own, Currency::USD)),
                    region: lists.regions[r.region].key.clone(), themes, notes: String::new(),
                })?;
            }
            Ok(())
        }).unwrap();
        let to_cents = |sub: i128| {
            let (whole, rest) = (sub / 100, sub % 100);
            if rest.abs() * 2 >= 100 { whole + sub.signum() } else { whole }
        };
        let (expected_total, expected_own) = (to_cents(expected_total), to_cents(expected_own));
        let report = Snapshot::load(&ledger).unwrap().report(&Period::parse("2021").unwrap(), 10).unwrap();
        prop_assert_eq!(report.agreements_signed, expected_signed);
        prop_assert_eq!(report.partner_total_minor, expected_total);
        prop_assert_eq!(report.own_total_minor, expected_own);
        for slices in [&report.by_partner_type, &report.by_region, &report.by_theme] {
            prop_assert_eq!(slices.iter().map(|s| s.amount_minor).sum::<i128>(), expected_total);
            let tenths: u32 = slices.iter().map(|s| s.percent_tenths).sum();
            prop_assert_eq!(tenths, if expected_total > 0 { 1000 } else { 0 });
        }
        prop_assert_eq!(report.top_partners.iter().map(|t| t.amount_minor).sum::<i128>(), expected_total);
        prop_assert_eq!(split_by_weights(7, &[1, 1, 1]).iter().sum::<i64>(), 7);
    }
}
