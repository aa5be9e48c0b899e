-- Indexes for the history's real queries (numbers in docs/benchmarks.md):
--   "last N transitions of lock X" and "transitions of lock X between t1 and t2"
CREATE INDEX scheduler_lock_history_lock_at ON scheduler_lock_history (lock_name, at_ms);
--   "all transitions since t" and the retention prune (DELETE ... WHERE at_ms < ?)
CREATE INDEX scheduler_lock_history_at ON scheduler_lock_history (at_ms);
