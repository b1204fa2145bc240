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
    /// The most log lines one execution records; later lines are dropped, and one last line
    /// says how many were.
    pub max_log_lines: usize,
    /// The most bytes of log messages one execution records (each message counted as logged,
    /// after redaction); later lines are dropped, and one last line says how many were.
    pub max_log_bytes: usize,
}

impl Default for EngineLimits {
    fn default() -> Self {
        EngineLimits {
            max_execution_time: Duration::from_secs(15 * 60),
            max_step_result_bytes: 64 * 1024 * 1024,
            max_loop_iterations: 100_000,
            max_log_lines: 10_000,
            max_log_bytes: 8 * 1024 * 1024,
        }
    }
}
