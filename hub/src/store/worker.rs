//! The thread the server's database calls run on.
//!
//! Every request's store call is queued to one long-lived thread that owns
//! the work, in arrival order. The database has one writer at a time anyway
//! (and one connection); running the calls on tokio's blocking pool instead
//! had them wait for the lock on threads that come and go, and glibc gave
//! each its own heap arena: under a few concurrent kiosks the hub's heap grew
//! by about 0.2 MB a minute while the live data stayed near 3 MB (a heap
//! profile of the soak, docs/RELIABILITY.md). One thread keeps one arena.
//!
//! On PostgreSQL the server keeps a few such threads, each with its own
//! connection, taking calls from the one queue (`--db-connections`).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Store;

type Job = Box<dyn FnOnce(&Store) + Send>;

/// A call that holds the thread this long is logged with its name: every
/// call queued behind it waited as long (what a page's latency is made of).
const SLOW_CALL: Duration = Duration::from_millis(100);

/// A handle to the store's thread; cheap to clone. Reads as the [`Store`]
/// for callers that are already off the async threads (CLI, tests).
#[derive(Clone)]
pub struct StoreWorker {
    store: Arc<Store>,
    jobs: mpsc::Sender<(&'static str, Job)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("cannot start a store thread: {0}")]
    Io(std::io::Error),
    #[error("a store pool needs at least one connection")]
    Empty,
}

/// Why a call did not come back.
#[derive(Debug, thiserror::Error)]
#[error("the store's thread {0}")]
pub struct WorkerGone(&'static str);

impl StoreWorker {
    /// Starts the thread; it ends when the last handle is dropped.
    pub fn start(store: Store) -> std::io::Result<StoreWorker> {
        StoreWorker::start_pool(vec![store]).map_err(|e| match e {
            PoolError::Io(e) => e,
            PoolError::Empty => std::io::Error::other("no store"),
        })
    }

    /// One thread per store (each its own connection to one PostgreSQL
    /// database), all taking calls from one queue: PostgreSQL runs several
    /// transactions at once where SQLite runs one.
    pub fn start_pool(stores: Vec<Store>) -> Result<StoreWorker, PoolError> {
        let mut stores = stores.into_iter().map(Arc::new);
        let first = stores.next().ok_or(PoolError::Empty)?;
        let (jobs, queue) = mpsc::channel::<(&'static str, Job)>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for (i, own) in std::iter::once(first.clone()).chain(stores).enumerate() {
            let queue = queue.clone();
            let name = if i == 0 {
                "store".into()
            } else {
                format!("store-{i}")
            };
            std::thread::Builder::new()
                .name(name)
                .spawn(move || {
                    loop {
                        // One thread waits on the queue at a time; the lock is
                        // let go before the call runs.
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(poisoned) => poisoned.into_inner().recv(),
                        };
                        let Ok((name, job)) = job else { break };
                        // A call that panics fails alone (its caller hears so);
                        // the thread goes on with the next.
                        let started = Instant::now();
                        let run = std::panic::AssertUnwindSafe(|| job(&own));
                        if std::panic::catch_unwind(run).is_err() {
                            tracing::error!(call = call_name(name), "a store call panicked");
                        }
                        let took = started.elapsed();
                        if took >= SLOW_CALL {
                            tracing::warn!(
                                call = call_name(name),
                                ms = took.as_millis(),
                                "a slow store call: the calls queued behind it waited as long"
                            );
                        }
                    }
                })
                .map_err(PoolError::Io)?;
        }
        Ok(StoreWorker { store: first, jobs })
    }

    /// Runs `f` on the store's thread and waits for its answer without
    /// holding up an async thread.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> T + Send + 'static,
    ) -> Result<T, WorkerGone> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Where the call was written (its closure's type), shortened only
        // when it is logged.
        let name = std::any::type_name_of_val(&f);
        self.jobs
            .send((
                name,
                Box::new(move |s: &Store| {
                    // The caller may have gone (a dropped connection): nothing to tell.
                    let _ = tx.send(f(s));
                }),
            ))
            .map_err(|_| WorkerGone("has stopped"))?;
        rx.await.map_err(|_| WorkerGone("failed the call"))
    }
}

/// `hub::http::kiosk_api::upload::{{closure}}::{{closure}}` →
/// `hub::http::kiosk_api::upload`; a function passed by name stays whole.
fn call_name(type_name: &'static str) -> &'static str {
    type_name
        .find("::{{closure}}")
        .map_or(type_name, |end| &type_name[..end])
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
        let store =
            Store::open_database(&crate::testing::database(dir.path()).expect("test database"))
                .expect("store");
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

    #[test]
    fn a_call_is_named_by_where_it_was_written() {
        fn named<F>(_: &F) -> &'static str {
            call_name(std::any::type_name::<F>())
        }
        let closure = |s: &Store| s.ping();
        assert_eq!(
            named(&closure),
            "hub::store::worker::tests::a_call_is_named_by_where_it_was_written"
        );
        assert_eq!(named(&Store::ping), "hub::store::Store::ping");
    }
}
