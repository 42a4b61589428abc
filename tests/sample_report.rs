//! The sample ledger reproduces every figure of the TDAG-21/7 report (DOMAIN.md), through
//! the real binary and its JSON contract, in English and Chinese.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{ok, report_json, temp_ledger};
use rust_decimal::Decimal;
use serde_json::Value;

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .expect("a decimal string")
        .parse()
        .expect("a decimal")
}

/// The slice of `key` in breakdown `name`.
fn slice<'a>(report: &'a Value, name: &str, key: &str) -> &'a Value {
    report[name]
        .as_array()
        .expect("a breakdown")
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("{name} has no {key}"))
}

fn assert_share(
    report: &Value,
    name: &str,
    key: &str,
    published_percent: &str,
    tolerance_pp: &str,
) {
    let share = dec(&slice(report, name, key)["share"]) * Decimal::ONE_HUNDRED;
    let published: Decimal = published_percent.parse().unwrap();
    let tolerance: Decimal = tolerance_pp.parse().unwrap();
    assert!(
        (share - published).abs() <= tolerance,
        "{name}/{key}: {share} % vs published {published} %"
    );
}

fn assert_breakdowns_add_to_100(report: &Value) {
    for name in ["by_partner_type", "by_region", "by_theme"] {
        let slices = report[name].as_array().unwrap();
        let tenths: i64 = slices
            .iter()
            .map(|s| i64::try_from(dec(&s["percent"]) * Decimal::TEN).unwrap())
            .sum::<i64>();
        assert_eq!(tenths, 1000, "{name} percentages add to {tenths} tenths");
        let amounts: Decimal = slices.iter().map(|s| dec(&s["amount"])).sum();
        assert_eq!(
            amounts,
            dec(&report["partner_contributions"]),
            "{name} amounts add to the total"
        );
        for s in slices {
            assert!(
                s["share"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .nth(1)
                    .unwrap()
                    .len()
                    >= 6
            );
        }
    }
}

#[test]
fn sample_reproduces_the_2021q1_and_2020_figures() {
    let (_dir, ledger) = temp_ledger();
    let first = ok(&ledger, &["sample"]);
    assert!(first.contains("74 agreements created"), "{first}");

    let q1 = report_json(&ledger, "2021Q1", "zh");
    assert_eq!(q1["period"]["label"], "2021Q1");
    assert_eq!(q1["period"]["from"], "2021-01-01");
    assert_eq!(q1["period"]["to"], "2021-03-31");
    assert_eq!(q1["currency"], "USD");
    assert_eq!(q1["agreements_signed"], 19);
    assert_eq!(q1["agreements_with_financial_contribution"], 14);
    assert_eq!(q1["partner_contributions"], "6400000.00");
    assert_eq!(q1["own_contributions"], "2021052.63");
    assert_eq!(q1["cofunding"]["own_share"], "0.240000");
    assert_eq!(q1["cofunding"]["partners_share"], "0.760000");
    for (key, pct) in [
        ("government", "66.1"),
        ("un", "15"),
        ("academia", "0.2"),
        ("private", "4.1"),
        ("other", "14.7"),
    ] {
        assert_share(&q1, "by_partner_type", key, pct, "0.1");
    }
    assert_eq!(q1["by_partner_type"].as_array().unwrap().len(), 5);
    for (key, pct) in [
        ("africa", "32.7"),
        ("americas", "9.1"),
        ("europe", "0.2"),
        ("multi_regional", "57.9"),
    ] {
        assert_share(&q1, "by_region", key, pct, "0.1");
    }
    assert_eq!(q1["by_region"].as_array().unwrap().len(), 4);
    // The seed's Chinese labels.
    assert_eq!(
        slice(&q1, "by_partner_type", "government")["label"],
        "国际电联成员国和其他政府实体"
    );
    assert_eq!(slice(&q1, "by_partner_type", "un")["label"], "联合国组织");
    assert_eq!(
        slice(&q1, "by_partner_type", "academia")["label"],
        "学术成员"
    );
    assert_eq!(
        slice(&q1, "by_partner_type", "private")["label"],
        "私营部门实体"
    );
    assert_eq!(slice(&q1, "by_partner_type", "other")["label"], "其他实体");
    assert_eq!(
        slice(&q1, "by_region", "multi_regional")["label"],
        "多个区域"
    );
    let top = q1["top_partners"].as_array().unwrap();
    assert_eq!(top[0]["partner"], "中华人民共和国工业和信息化部");
    assert_eq!(top[0]["amount"], "1800000.00");
    assert_eq!(top[0]["share"], "0.281250");
    assert_eq!(top[1]["partner"], "英国外交、联邦和发展部");
    assert_eq!(top[1]["amount"], "1400000.00");
    assert_eq!(
        top[2]["partner"],
        "沙特阿拉伯萨勒曼国王人道主义援助与救济中心"
    );
    assert_eq!(top[2]["amount"], "562500.00");
    assert!(dec(&top[3]["amount"]) < dec(&top[2]["amount"]));
    assert_breakdowns_add_to_100(&q1);

    let y2020 = report_json(&ledger, "2020", "zh");
    assert_eq!(y2020["agreements_signed"], 43);
    assert_eq!(y2020["agreements_with_financial_contribution"], 28);
    assert_eq!(y2020["partner_contributions"], "15200000.00");
    let own = dec(&y2020["cofunding"]["own_share"]);
    assert!(
        (own - Decimal::new(2036, 4)).abs() <= Decimal::new(1, 4),
        "own share {own}"
    );
    for (key, pct) in [
        ("government", "79"),
        ("fund", "3.3"),
        ("un", "5"),
        ("intl_org", "7.4"),
        ("academia", "0.2"),
        ("private", "5"),
    ] {
        assert_share(&y2020, "by_partner_type", key, pct, "0.1");
    }
    assert_eq!(slice(&y2020, "by_partner_type", "fund")["label"], "基金");
    assert_eq!(
        slice(&y2020, "by_partner_type", "intl_org")["label"],
        "国际和区域组织及协会"
    );
    for (key, pct) in [
        ("africa", "6.3"),
        ("americas", "3.2"),
        ("arab_states", "27.5"),
        ("asia_pacific", "8"),
        ("cis", "2.7"),
        ("europe", "6.5"),
        ("multi_regional", "46.4"),
    ] {
        assert_share(&y2020, "by_region", key, pct, "0.35");
    }
    for (key, zh) in [
        ("arab_states", "阿拉伯国家"),
        ("asia_pacific", "亚太"),
        ("cis", "独联体"),
        ("africa", "非洲"),
        ("americas", "美洲"),
        ("europe", "欧洲"),
    ] {
        assert_eq!(slice(&y2020, "by_region", key)["label"], zh);
    }
    let top = y2020["top_partners"].as_array().unwrap();
    assert_eq!(top[0]["partner"], "挪威发展合作署");
    assert_eq!(top[0]["amount"], "3300000.00");
    assert_eq!(top[1]["partner"], "沙特阿拉伯国家网络安全局（NCA）");
    assert_eq!(top[1]["amount"], "1600000.00");
    assert_eq!(top[2]["partner"], "沙特阿拉伯通信和信息技术委员会（CITC）");
    assert_eq!(top[2]["amount"], "1450000.00");
    assert_breakdowns_add_to_100(&y2020);

    // English labels and names.
    let en = report_json(&ledger, "2021Q1", "en");
    assert_eq!(
        slice(&en, "by_partner_type", "government")["label"],
        "Member states and other government entities"
    );
    assert!(
        en["top_partners"][0]["partner"]
            .as_str()
            .unwrap()
            .starts_with("Ministry of Industry and Information Technology (MIIT)")
    );

    // Loading the sample again changes nothing.
    let again = ok(&ledger, &["sample"]);
    assert!(
        again.contains("0 agreements created, 0 updated, 74 unchanged"),
        "{again}"
    );
    assert_eq!(report_json(&ledger, "2021Q1", "zh"), q1);
}

#[test]
fn readable_report_and_lists() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let text = ok(&ledger, &["report", "--period", "2021Q1"]);
    assert!(
        text.contains("6,400,000.00") && text.contains("Top funding partners"),
        "{text}"
    );
    let zh = ok(&ledger, &["report", "--period", "2020", "--lang", "zh"]);
    assert!(
        zh.contains("阿拉伯国家") && zh.contains("挪威发展合作署"),
        "{zh}"
    );
    let agreements: Value = serde_json::from_str(&ok(
        &ledger,
        &["agreements", "--period", "2021Q1", "--json"],
    ))
    .unwrap();
    assert_eq!(
        agreements.as_array().unwrap().len(),
        21,
        "19 signed + 1 draft + 1 cancelled"
    );
    let partners: Value = serde_json::from_str(&ok(&ledger, &["partners", "--json"])).unwrap();
    let miit = partners
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name_zh"] == "中华人民共和国工业和信息化部")
        .unwrap();
    assert!(
        miit["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "MIIT")
    );
    let empty = report_json(&ledger, "2018", "en");
    assert_eq!(empty["agreements_signed"], 0);
    assert_eq!(empty["by_region"].as_array().unwrap().len(), 0);
}

/// A quarter as people write it names the same period in the CLI.
#[test]
fn a_quarter_written_any_common_way_is_the_same_report() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let q1 = report_json(&ledger, "2021Q1", "en");
    for text in ["Q1 2021", "2021 Q1", "2021-Q1", "2021年第一季度"] {
        assert_eq!(report_json(&ledger, text, "en"), q1, "{text}");
    }
}
