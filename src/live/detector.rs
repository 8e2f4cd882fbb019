//! A cheap, robust anomaly detector for one stream of values: exponentially weighted mean and
//! variance of the *increments* between consecutive readings, reset at each collection.
//!
//! Pure; O(1) memory. The score is how many standard deviations the latest increment lies
//! from the expected one; it is 0 until `warmup` increments have been seen.

/// Detector parameters (from `[live]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectorParams {
    /// Weight of the newest increment, 0 < alpha <= 1.
    pub alpha: f64,
    /// Increments seen before scores count.
    pub warmup: u32,
    /// Floor of the standard deviation (in the value's unit), so a perfectly regular series
    /// does not turn a tiny wobble into a huge score.
    pub min_std: f64,
}

/// The detector's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Detector {
    last: Option<f64>,
    mean: f64,
    var: f64,
    n: u32,
    score: f64,
}

impl Detector {
    /// Feeds one value; returns the anomaly score of this value.
    pub fn observe(&mut self, value: f64, p: &DetectorParams) -> f64 {
        let Some(last) = self.last.replace(value) else {
            self.score = 0.0;
            return 0.0;
        };
        let inc = value - last;
        let std = self.var.sqrt().max(p.min_std);
        self.score = if self.n >= p.warmup { (inc - self.mean).abs() / std } else { 0.0 };
        // Update after scoring, so an outlier does not hide itself.
        if self.n == 0 {
            self.mean = inc;
            self.var = 0.0;
        } else {
            let d = inc - self.mean;
            self.mean += p.alpha * d;
            self.var = (1.0 - p.alpha) * (self.var + p.alpha * d * d);
        }
        self.n = self.n.saturating_add(1);
        self.score
    }

    /// The latest score.
    pub fn score(&self) -> f64 {
        self.score
    }

    /// Forgets everything (at a collection: the fill curve starts again).
    pub fn reset(&mut self) {
        *self = Detector::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: DetectorParams = DetectorParams { alpha: 0.1, warmup: 10, min_std: 0.5 };

    /// A week of a container filling about 2 points an hour with noise, emptied at 90 %.
    fn normal_week(seed: u64) -> Vec<(f64, bool)> {
        let mut s = seed;
        let mut noise = move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        };
        let mut fill = 5.0;
        let mut out = Vec::new();
        for hour in 0..(7 * 24) {
            let weekend = (hour / 24) % 7 >= 5;
            let rate = if weekend { 0.3 } else { 2.0 };
            fill += rate + noise() * 0.8;
            let emptied = fill >= 90.0;
            if emptied {
                fill = 3.0 + noise();
            }
            out.push((fill, emptied));
        }
        out
    }

    #[test]
    fn a_normal_week_raises_no_alarm() {
        for seed in 0..20 {
            let mut d = Detector::default();
            let mut max: f64 = 0.0;
            for (fill, emptied) in normal_week(seed) {
                if emptied {
                    d.reset();
                }
                max = max.max(d.observe(fill, &P));
            }
            assert!(max < 6.0, "seed {seed}: max score {max}");
        }
    }

    #[test]
    fn an_injected_jump_is_found() {
        let mut d = Detector::default();
        let week = normal_week(3);
        let mut found = false;
        for (i, (fill, emptied)) in week.iter().enumerate() {
            if *emptied {
                d.reset();
            }
            // At hour 100 someone dumps 30 points' worth into the container at once.
            let value = if i == 100 { fill + 30.0 } else { *fill };
            let score = d.observe(value, &P);
            if i == 100 {
                found = score >= 6.0;
            }
        }
        assert!(found, "the jump at hour 100 scores at least 6");
    }

    #[test]
    fn scores_wait_for_the_warmup() {
        let mut d = Detector::default();
        for v in [1.0, 50.0, 2.0, 80.0] {
            assert_eq!(d.observe(v, &P), 0.0);
        }
    }
}
