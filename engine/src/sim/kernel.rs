//! The month's gross return, produced a block of months at a time and compiled once per small
//! asset count.
//!
//! Why blocks: drawing a block's normals, then all its `exp`s, then its portfolio sums turns
//! the `exp`s into one loop over contiguous values that the compiler vectorises (see
//! [`super::exp`]). A block is one year, so the fan chart is read at block ends.
//!
//! Why const generics: with the asset count known at compile time every index is provably in
//! bounds and the small matrix-vector product is fully unrolled. [`GENERAL`] is the kernel for
//! any count, with the count read at run time.
//!
//! The arithmetic is the model's (`docs/simulation-model.md`) and in the same order for every width: for each month, draw
//! z_1..z_n from the path's stream, x_i = m_i + sum_{k<=i} L_ik z_k (in k order),
//! G = sum_i w_i exp(x_i) (in i order), growth = G · (1 - f)^(1/12).

use rand_xoshiro::Xoshiro256PlusPlus;

use super::exp::exp_in_place;
use super::model::Model;
use super::normal;
use super::plan::MAX_ASSETS;

/// Months per block: one year.
pub const BLOCK: usize = 12;
/// The width of the general kernel.
pub const GENERAL: usize = MAX_ASSETS;

/// A path's monthly growth factors, drawn from its own stream.
pub struct Returns<const N: usize> {
    /// The number of assets (N, except in the general kernel).
    assets: usize,
    /// The model's constants, copied in: held by value, the compiler can see that the block's
    /// stores never overwrite them, keep them in registers and vectorise across months.
    drift: [f64; N],
    /// Row i: L_i0 .. L_ii, then zeros.
    factor: [[f64; N]; N],
    weights: [f64; N],
    fee_factor: f64,
    rng: Xoshiro256PlusPlus,
    /// The block's normals, drawn month by month (asset by asset within a month, the
    /// stream's order) and stored asset-major: `z[k][month]`.
    z: [[f64; BLOCK]; N],
    /// Log returns, then their exponentials, asset-major.
    x: [[f64; BLOCK]; N],
}

impl<const N: usize> Returns<N> {
    /// Growth of `model`'s paths drawn from `rng`. `N` is `model.assets` or [`GENERAL`].
    #[inline]
    pub fn new(model: &Model, rng: Xoshiro256PlusPlus) -> Self {
        debug_assert!(N == model.assets || N == GENERAL);
        let n = model.assets.min(N);
        let mut drift = [0.0; N];
        drift[..n].copy_from_slice(&model.drift[..n]);
        let mut weights = [0.0; N];
        weights[..n].copy_from_slice(&model.weights[..n]);
        let mut factor = [[0.0; N]; N];
        for (i, row) in factor.iter_mut().enumerate().take(n) {
            row[..=i].copy_from_slice(&model.factor[i * n..=i * n + i]);
        }
        Self {
            assets: n,
            drift,
            factor,
            weights,
            fee_factor: model.fee_factor,
            rng,
            z: [[0.0; BLOCK]; N],
            x: [[0.0; BLOCK]; N],
        }
    }

    /// A compile-time constant except in the general kernel.
    #[inline(always)]
    fn width(&self) -> usize {
        if N == GENERAL { self.assets } else { N }
    }

    /// Draws the normals of `month` of the next block, in stream order. Callers draw the
    /// next block month by month while they run the current one through their serial wealth
    /// recursion, so that the two overlap in the processor instead of taking turns.
    #[inline(always)]
    pub fn draw_month(&mut self, month: usize) {
        let n = self.width();
        for zk in &mut self.z[..n] {
            zk[month] = normal::next(&mut self.rng);
        }
    }

    /// Turns the drawn normals into `growth`: G_t (1 - f)^(1/12) for each month of the block.
    #[inline(always)]
    pub fn finish_block(&mut self, growth: &mut [f64; BLOCK]) {
        let n = self.width();
        let z = &self.z[..n];
        let x = &mut self.x[..n];
        // Asset-major, so that these loops run across months: contiguous, and vectorised.
        for (i, xi) in x.iter_mut().enumerate() {
            *xi = [self.drift[i]; BLOCK];
            for (l, zk) in self.factor[i][..=i].iter().zip(z) {
                for (v, zkm) in xi.iter_mut().zip(zk) {
                    *v += l * zkm;
                }
            }
        }
        exp_in_place(x.as_flattened_mut());
        *growth = [0.0; BLOCK];
        for (w, ei) in self.weights[..n].iter().zip(x.iter()) {
            for (g, e) in growth.iter_mut().zip(ei) {
                *g += w * e;
            }
        }
        for g in growth.iter_mut() {
            *g *= self.fee_factor;
        }
    }

    /// Draws and finishes a whole block: the first of a path.
    #[inline(always)]
    pub fn next_block(&mut self, growth: &mut [f64; BLOCK]) {
        for month in 0..BLOCK {
            self.draw_month(month);
        }
        self.finish_block(growth);
    }
}

/// Calls `$f::<N>($args)` with `N` the compiled width for `$n` assets.
macro_rules! by_width {
    ($n:expr, $f:ident($($arg:expr),* $(,)?)) => {
        match $n {
            1 => $f::<1>($($arg),*),
            2 => $f::<2>($($arg),*),
            3 => $f::<3>($($arg),*),
            4 => $f::<4>($($arg),*),
            _ => $f::<{ $crate::sim::kernel::GENERAL }>($($arg),*),
        }
    };
}
pub(crate) use by_width;

#[cfg(test)]
mod tests {
    use rand_distr::{Distribution, StandardNormal};

    use super::*;
    use crate::sim::rng::path_stream;
    use crate::sim::{AssetClass, Plan, run_path};

    /// `n` assets with a little of everything: drift, volatility, correlation, fees,
    /// inflation, both phases of cash flows, and a horizon that ends mid-year.
    fn plan(n: usize, horizon_months: u32) -> Plan {
        #[allow(clippy::cast_precision_loss)]
        let assets = (0..n)
            .map(|i| AssetClass {
                mu: 0.02 + 0.01 * i as f64,
                sigma: 0.04 + 0.03 * i as f64,
            })
            .collect();
        let correlation = (0..n)
            .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.3 }).collect())
            .collect();
        #[allow(clippy::cast_precision_loss)]
        Plan {
            initial_wealth: 100_000.0,
            monthly_contribution: 800.0,
            retirement_month: horizon_months / 2,
            monthly_spending: 1_500.0,
            horizon_months,
            annual_inflation: 0.02,
            annual_fee: 0.003,
            assets,
            weights: vec![1.0 / n as f64; n],
            correlation,
        }
    }

    fn blocks<const N: usize>(model: &Model, path: u64) -> Vec<u64> {
        let mut returns = Returns::<N>::new(model, path_stream(3, path));
        let mut growth = [0.0; BLOCK];
        let mut bits = Vec::new();
        for _ in 0..5 {
            returns.next_block(&mut growth);
            bits.extend(growth.iter().map(|g| g.to_bits()));
        }
        bits
    }

    #[test]
    fn the_general_kernel_gives_the_compiled_widths_bits() {
        for path in 0..20 {
            for n in 1..=4 {
                let model = Model::new(&plan(n, 60)).expect("valid");
                let general = blocks::<GENERAL>(&model, path);
                let compiled = match n {
                    1 => blocks::<1>(&model, path),
                    2 => blocks::<2>(&model, path),
                    3 => blocks::<3>(&model, path),
                    _ => blocks::<4>(&model, path),
                };
                assert_eq!(general, compiled, "{n} assets");
            }
        }
    }

    /// The model's month (`docs/simulation-model.md`), written as plainly as possible (the engine's loop before the
    /// kernel), with libm's `exp`.
    fn plain_path(model: &Model, path: u64) -> (f64, u32) {
        let mut rng = path_stream(3, path);
        let n = model.assets;
        let mut wealth = model.initial_wealth;
        for (t, flow) in model.flows.iter().enumerate() {
            wealth += flow;
            if wealth <= 0.0 {
                return (0.0, u32::try_from(t).expect("small"));
            }
            let z: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
            wealth *= model.gross_return(&z) * model.fee_factor;
        }
        (wealth / model.price_index[model.horizon], u32::MAX)
    }

    #[test]
    fn paths_follow_the_plain_month_loop_up_to_exp_rounding() {
        let mut ruined = 0;
        for (n, horizon) in [(1, 90), (3, 720), (6, 130)] {
            let model = Model::new(&plan(n, horizon)).expect("valid");
            for path in 0..300 {
                let (terminal, ruin) = plain_path(&model, path);
                let end = by_width!(n, run_path(&model, 3, path, &mut []));
                assert_eq!(end.ruin_month, ruin, "{n} assets, path {path}");
                let scale = terminal.abs().max(1.0);
                assert!((end.terminal_real - terminal).abs() <= 1e-12 * scale);
                ruined += usize::from(ruin != u32::MAX);
            }
        }
        assert!(ruined > 10, "the ruin branch is exercised ({ruined})");
    }
}
