//! Exact shares and the largest-remainder rounding of displayed percentages.

use ethnum::I256;
use rust_decimal::{Decimal, RoundingStrategy};

/// An exact fraction `part / whole` of two sums of minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// The part.
    pub part: i128,
    /// The whole; zero gives a zero share.
    pub whole: i128,
}

impl Share {
    /// `part / whole`.
    pub fn new(part: i128, whole: i128) -> Share {
        Share { part, whole }
    }

    /// The fraction as a decimal with `digits` decimals, rounded half away from zero
    /// (`0.660340` with 6 digits).
    pub fn decimal(&self, digits: u32) -> Decimal {
        if self.whole == 0 {
            return Decimal::new(0, digits);
        }
        let scale = 10i128.pow(digits);
        let num = self.part.saturating_mul(scale);
        let q = num / self.whole;
        let r = num % self.whole;
        let rounded = if 2 * r.abs() >= self.whole.abs() {
            q + num.signum() * self.whole.signum()
        } else {
            q
        };
        let mut d = Decimal::from_i128_with_scale(rounded, 0);
        let _ = d.set_scale(digits);
        d.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero)
    }

    /// The fraction as a percentage to one decimal, rounded half away from zero: `28.1`,
    /// `0.0`. Alone, not one of parts adding to 100 % (see [`largest_remainder_tenths`]).
    pub fn percent_text(&self) -> String {
        format!("{:.1}", self.decimal(3) * Decimal::ONE_HUNDRED)
    }
}

/// Rounds the shares of `parts` in their total to whole tenths of a percent so that they add
/// to exactly 100.0 % (1000 tenths): each gets the floor of its exact value, then the tenths
/// still missing go to the largest remainders (ties to the larger part, then the earlier one).
/// All zero parts give all zeros.
pub fn largest_remainder_tenths(parts: &[i128]) -> Vec<u32> {
    const WHOLE: i128 = 1000;
    let total: i128 = parts.iter().sum();
    if total <= 0 {
        return vec![0; parts.len()];
    }
    let mut floors: Vec<u32> = Vec::with_capacity(parts.len());
    let mut order: Vec<(usize, i128)> = Vec::with_capacity(parts.len());
    for (i, &p) in parts.iter().enumerate() {
        let scaled = p.max(0) * WHOLE;
        floors.push(u32::try_from(scaled / total).unwrap_or(0));
        order.push((i, scaled % total));
    }
    let given: u32 = floors.iter().sum();
    let missing = usize::try_from(1000u32.saturating_sub(given)).unwrap_or(0);
    order.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(parts[b.0].cmp(&parts[a.0]))
            .then(a.0.cmp(&b.0))
    });
    for &(i, _) in order.iter().take(missing) {
        if let Some(f) = floors.get_mut(i) {
            *f += 1;
        }
    }
    floors
}

/// Tenths of a percent as text: 660 -> "66.0".
pub fn tenths_text(tenths: u32) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Splits `amount` minor units by `weights` (basis points) exactly: floors, then the units
/// left over go to the largest remainders, so the parts add up to `amount`.
pub fn split_by_weights(amount: i64, weights: &[u32]) -> Vec<i64> {
    if let [_] = weights {
        // One part takes the whole (an import splits 100 % over each row's one theme).
        return vec![amount];
    }
    let weights: Vec<i128> = weights.iter().map(|&w| i128::from(w)).collect();
    apportion(i128::from(amount), &weights)
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(0))
        .collect()
}

/// `total` shared in proportion to `weights` (not negative), exactly: each part is its
/// exact share rounded down, and the units left go to the largest remainders (ties to the
/// first). The parts add to `total`; all are 0 when the weights are.
pub fn apportion(total: i128, weights: &[i128]) -> Vec<i128> {
    let sum: i128 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut order: Vec<(usize, i128)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let (q, r) = mul_div_rem(total, w, sum);
        parts.push(q);
        order.push((i, r.abs()));
    }
    order.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let left = total - parts.iter().sum::<i128>();
    let step = left.signum();
    for &(i, _) in order.iter().take(usize::try_from(left.abs()).unwrap_or(0)) {
        if let Some(p) = parts.get_mut(i) {
            *p += step;
        }
    }
    parts
}

/// `a * b / c` and `a * b % c` (truncated, as Rust divides), exact however large the
/// product: in 128 bits when it fits, else in 256. Used where `a * b / c` is at most `a`
/// (a share of a total), so the quotient fits; were it not to, it saturates.
fn mul_div_rem(a: i128, b: i128, c: i128) -> (i128, i128) {
    if let Some(product) = a.checked_mul(b) {
        return (product / c, product % c);
    }
    let (a, b, c) = (I256::from(a), I256::from(b), I256::from(c));
    let product = a * b;
    let saturate =
        |x: I256| i128::try_from(x).unwrap_or(if x < I256::ZERO { i128::MIN } else { i128::MAX });
    (saturate(product / c), saturate(product % c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_percentage_keeps_its_decimal() {
        assert_eq!(Share::new(1_800_000, 6_405_000).percent_text(), "28.1");
        assert_eq!(Share::new(150_000, 315_144_747).percent_text(), "0.0");
        assert_eq!(Share::new(5, 10).percent_text(), "50.0");
        assert_eq!(Share::new(0, 0).percent_text(), "0.0");
    }

    #[test]
    fn shares_round_to_six_digits() {
        assert_eq!(
            Share::new(1_800_000, 6_400_000).decimal(6).to_string(),
            "0.281250"
        );
        assert_eq!(Share::new(1, 3).decimal(6).to_string(), "0.333333");
        assert_eq!(Share::new(2, 3).decimal(6).to_string(), "0.666667");
        assert_eq!(Share::new(0, 0).decimal(6).to_string(), "0.000000");
    }

    #[test]
    fn thirds_add_to_one_hundred() {
        assert_eq!(largest_remainder_tenths(&[1, 1, 1]), vec![334, 333, 333]);
        assert_eq!(largest_remainder_tenths(&[0, 0]), vec![0, 0]);
        assert_eq!(tenths_text(661), "66.1");
    }

    #[test]
    fn a_share_of_a_huge_total_keeps_every_unit() {
        // 100,000 agreements of EUR 1,000,000,000,000 at 1.22, in hundredths of a cent:
        // the products of total and weight pass 2^127.
        let weights = [
            1_220_000_000_000_000_000_000i128 / 2,
            1_220_000_000_000_000_000_000 / 2,
        ];
        let total = 12_200_000_000_000_000_000i128;
        assert_eq!(apportion(total, &weights), vec![total / 2, total / 2]);
        let uneven = [3i128 * 10i128.pow(21), 10i128.pow(21)];
        let parts = apportion(total, &uneven);
        assert_eq!(parts, vec![total / 4 * 3, total / 4]);
        assert!(parts.iter().all(|&p| p > 0));
    }

    #[test]
    fn splits_keep_every_cent() {
        assert_eq!(split_by_weights(100, &[3333, 3333, 3334]), vec![33, 33, 34]);
        assert_eq!(split_by_weights(1, &[5000, 5000]), vec![1, 0]);
    }

    proptest! {
        #[test]
        fn displayed_percentages_add_to_one_hundred(parts in prop::collection::vec(0i128..1_000_000_000_000, 1..12)) {
            let tenths = largest_remainder_tenths(&parts);
            let sum: u32 = tenths.iter().sum();
            if parts.iter().sum::<i128>() > 0 {
                prop_assert_eq!(sum, 1000);
                // Each displayed value is within a tenth of the exact one.
                let total: i128 = parts.iter().sum();
                for (p, t) in parts.iter().zip(&tenths) {
                    let exact_x1000 = p * 1000 * 1000 / total;
                    prop_assert!((i128::from(*t) * 1000 - exact_x1000).abs() <= 1000);
                }
            } else {
                prop_assert_eq!(sum, 0);
            }
        }

        #[test]
        fn shares_of_huge_sums_add_to_the_total(
            total in 0i128..10i128.pow(30),
            weights in prop::collection::vec(0i128..10i128.pow(30), 1..8),
        ) {
            let parts = apportion(total, &weights);
            if weights.iter().sum::<i128>() > 0 {
                prop_assert_eq!(parts.iter().sum::<i128>(), total);
            }
            prop_assert!(parts.iter().all(|&p| p >= 0 && p <= total));
        }

        #[test]
        fn splits_add_to_the_amount(amount in 0i64..1_000_000_000_000, weights in prop::collection::vec(1u32..10_000, 1..6)) {
            let parts = split_by_weights(amount, &weights);
            prop_assert_eq!(parts.iter().sum::<i64>(), amount);
            prop_assert!(parts.iter().all(|&p| p >= 0));
        }
    }
}
