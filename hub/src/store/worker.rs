//! The thread the server's database calls run on.
//!
//! Every request's store call is queued to one long-lived thread that owns
//! the work, in arrival order. The database has one writer at a time anyway
//! (and one connection); running the calls on tokio's blocking pool instead
//! had them wait for the lock on threads that come and go, and glibc gave
//! each its own heap arena: under a few concurrent kiosks the hub's heap grew
//! by about 0.2 MB a minute while the live data stayed near 3 MB (a heap
//! profile of the soak, docs/RELIABILITY.md). One thread keeps one arena.

use std::sync::Arc;
use std::sync::mpsc;

use super::Store;

type Job = Box<dyn FnOnce(&Store) + Send>;

/// A handle to the store's thread; cheap to clone. Reads as the [`Store`]
/// for callers that are already off the async threads (CLI, tests).
#[derive(Clone)]
pub struct StoreWorker {
    store: Arc<Store>,
    jobs: mpsc::Sender<Job>,
}

/// Why a call did not come back.
#[derive(Debug, thiserror::Error)]
#[error("the store's thread {0}")]
pub struct WorkerGone(&'static str);

impl StoreWorker {
    /// Starts the thread; it ends when the last handle is dropped.
    pub fn start(store: Store) -> std::io::Result<StoreWorker> {
        let store = Arc::new(store);
        let (jobs, queue) = mpsc::channel::<Job>();
        let own = store.clone();
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                for job in queue {
                    // A call that panics fails alone (its caller hears so);
                    // the thread goes on with the next.
                    let run = std::panic::AssertUnwindSafe(|| job(&own));
                    if std::panic::catch_unwind(run).is_err() {
                        tracing::error!("a store call panicked");
                    }
                }
            })?;
        Ok(StoreWorker { store, jobs })
    }

    /// Runs `f` on the store's thread and waits for its answer without
    /// holding up an async thread.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> Result<T, WorkerGone> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |s: &Store| {
                // The caller may have gone (a dropped connection): nothing to tell.
                let _ = tx.send(f(s));
            }))
            .map_err(|_| WorkerGone("has stopped"))?;
        rx.await.map_err(|_| WorkerGone("failed the call"))
    }
}

impl std::ops::Deref for StoreWorker {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_run_in_order_on_one_thread_and_a_panicking_call_fails_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("hub.sqlite3")).expect("store");
        let w = StoreWorker::start(store).expect("start");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let a = w
                .call(|s| s.add_center("城东街道青年之家", "Asia/Shanghai"))
                .await
                .expect("call")
                .expect("center");
            let names: Vec<_> = (0..3)
                .map(|_| w.call(|_| std::thread::current().name().map(str::to_owned)))
                .collect();
            for n in names {
                assert_eq!(n.await.expect("call").as_deref(), Some("store"));
            }
            let boom = w.call(|_| -> u32 { panic!("a bad call") }).await;
            assert!(boom.is_err(), "the caller hears of the failure");
            let center = w.call(move |s| s.center(a)).await.expect("still running");
            assert_eq!(center.expect("center").name, "城东街道青年之家");
        });
    }
}
