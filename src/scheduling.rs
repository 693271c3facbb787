//! How the kernel schedules the HTTP worker threads.
//!
//! A market move makes every session publish at once, and each frame a session thread hands
//! to a connection wakes that connection's HTTP worker. Under the default policy a woken
//! worker preempts the session thread at once when both share a core: a switch there and back
//! for every frame, each frame then waking the client's reader on its own. Sessions already
//! hand frames over a few dozen at a time (`actors::live::events::deliver_soon`); with the
//! workers as `SCHED_BATCH` the kernel lets the session thread finish its batch and the
//! worker then writes them back to back. At 5,000 sessions on one core this took ~3.4 µs
//! (11%) off each update (BENCHMARKS.md). The price: on a saturated core a woken worker waits
//! for the running thread's time slice (milliseconds) instead of preempting it; an idle core
//! still runs it at once.

use thread_priority::{
    NormalThreadSchedulePolicy, ThreadPriority, ThreadPriorityOsValue, ThreadSchedulePolicy,
    set_thread_priority_and_policy, thread_native_id,
};

/// Makes the calling thread `SCHED_BATCH` at nice 0. Failing (another OS, a sandbox that
/// forbids it) only costs the gain, so it is logged, not returned.
pub fn batch_current_thread() {
    let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
    let nice_zero = ThreadPriority::Os(ThreadPriorityOsValue::default());
    if let Err(e) = set_thread_priority_and_policy(thread_native_id(), nice_zero, policy) {
        tracing::warn!(error = ?e, "the HTTP worker could not be made SCHED_BATCH; continuing");
    }
}

#[cfg(test)]
mod tests {
    use thread_priority::thread_schedule_policy;

    use super::*;

    #[test]
    fn a_thread_made_batch_reports_the_batch_policy() {
        let policy = std::thread::spawn(|| {
            batch_current_thread();
            thread_schedule_policy()
        })
        .join()
        .expect("the thread ran");
        assert_eq!(
            policy.ok(),
            Some(ThreadSchedulePolicy::Normal(
                NormalThreadSchedulePolicy::Batch
            ))
        );
    }
}
