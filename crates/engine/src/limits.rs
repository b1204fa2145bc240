//! Configurable limits of one execution.

use std::time::Duration;

/// Limits applied to every execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineLimits {
    /// The longest an execution may run; past it, the running step is stopped and the
    /// execution fails as timed out.
    pub max_execution_time: Duration,
    /// The largest step result, in bytes (binary length, or serialized JSON length).
    pub max_step_result_bytes: usize,
    /// The most iterations one loop step may run.
    pub max_loop_iterations: usize,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            max_execution_time: Duration::from_secs(15 * 60),
            max_step_result_bytes: 64 * 1024 * 1024,
            max_loop_iterations: 100_000,
        }
    }
}
