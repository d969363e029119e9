//! Mutexes that never panic. A std `Mutex` is poisoned only when a thread
//! panicked while holding it; the maps and slots the bridge keeps behind its
//! mutexes stay consistent between statements, so the value is still good,
//! and taking it keeps a panic in one place from spreading to every request.

use std::sync::{Mutex, MutexGuard, PoisonError};

pub trait Locked<T> {
    /// Lock, ignoring poisoning.
    fn locked(&self) -> MutexGuard<'_, T>;
}

impl<T> Locked<T> for Mutex<T> {
    fn locked(&self) -> MutexGuard<'_, T> {
        self.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
