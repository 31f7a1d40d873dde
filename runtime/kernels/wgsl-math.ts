/**
 * WGSL math helpers shared by kernel families: the standard normal CDF through erfc
 * (Numerical Recipes' erfcc, |error| < 1.2e-7), used by exact GELU in the elementwise kernels and
 * the matmul epilogues.
 */
export const NORMAL_CDF = /* wgsl */ `
fn erfc_nonneg(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  return t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
}
fn normal_cdf(x: f32) -> f32 {
  let c = erfc_nonneg(abs(x) * 0.70710678118654752);
  return select(0.5 * c, 1.0 - 0.5 * c, x >= 0.0);
}`;
