//! Per-step overhead does not grow with the number of steps (no quadratic work per step).

use std::time::Instant;

use plumb_engine::{EngineLimits, RunRequest};

use crate::fakes::{definition, engine, step};

fn steps(n: usize) -> String {
    (0..n)
        .map(|i| {
            step(
                &format!("Step {i}"),
                "noop",
                &[("value", "{type: reference, value: trigger.results.body}")],
            )
        })
        .collect()
}

#[tokio::test]
async fn overhead_is_linear() {
    let eng = engine(EngineLimits::default());
    let mut per_step = Vec::new();
    // The long flow has the most steps a definition may have (`definition::LIMITS.steps`,
    // 1,000, its trigger included).
    for n in [100usize, plumb_core::definition::LIMITS.steps - 1] {
        let def = definition(&steps(n));
        // The fastest of a few runs, so a load spike on a shared machine does not count.
        let mut best = f64::MAX;
        for _ in 0..5 {
            let start = Instant::now();
            assert!(eng.run(&def, RunRequest::new("F")).await.is_success());
            best = best.min(start.elapsed().as_secs_f64() / n as f64);
        }
        per_step.push(best);
    }
    eprintln!("per step: {per_step:?}");
    // Quadratic work would make a step of the long flow ~10 times slower; allow for the noise of
    // a shared machine and of tests running in parallel.
    assert!(
        per_step[1] < per_step[0] * 6.0,
        "per-step time grows with the flow: {per_step:?}"
    );
}
