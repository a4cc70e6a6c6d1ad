//! Group commit for daily logs. Phones post logs one by one, many at the same moment; each in
//! its own write transaction, they would queue for the database's write lock and wake threads
//! back and forth. Instead they are handed to a writer thread, which takes every log waiting
//! at that moment and records them in one transaction, a savepoint each
//! (`daily_log::create_many`): a refused log is answered alone, the others commit together.
//! A caller gets its answer only after the commit.

use std::sync::{mpsc, Arc, Mutex};

use ekinerja_persistence::daily_log::{create_many, Created, Job};
use ekinerja_persistence::{Pool, StoreError};
use tokio::sync::oneshot;

use crate::error::ApiError;
use crate::metrics::Metrics;

/// Logs taken into one transaction at most.
const MAX_GROUP: usize = 256;
/// Logs waiting at most before new ones are turned away with 503.
const QUEUE: usize = 8_192;

struct Item {
    job: Job,
    reply: oneshot::Sender<Result<Created, StoreError>>,
}

/// The handle requests use; the writer thread stops when the last handle is dropped.
pub struct LogWriter {
    queue: mpsc::SyncSender<Item>,
    metrics: Arc<Metrics>,
}

/// The answer to a submitted log, once committed.
pub type Pending = oneshot::Receiver<Result<Created, StoreError>>;

impl LogWriter {
    /// Starts `writers` writer threads over the pool. SQLite takes one writer at a time, so one
    /// thread; PostgreSQL writes side by side, and pays a network round trip per statement, so
    /// several threads keep it busy.
    pub fn start(pool: Pool, writers: usize, metrics: Arc<Metrics>) -> std::io::Result<LogWriter> {
        let (queue, incoming) = mpsc::sync_channel::<Item>(QUEUE);
        let incoming = Arc::new(Mutex::new(incoming));
        for n in 0..writers.max(1) {
            let (pool, incoming, metrics) = (pool.clone(), incoming.clone(), metrics.clone());
            std::thread::Builder::new()
                .name(format!("daily-log-writer-{n}"))
                .spawn(move || run(&pool, &incoming, &metrics))?;
        }
        Ok(LogWriter { queue, metrics })
    }

    /// Queues a log; await the returned answer.
    pub fn submit(&self, job: Job) -> Result<Pending, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.queue.try_send(Item { job, reply }).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => ApiError::Unavailable,
            mpsc::TrySendError::Disconnected(_) => ApiError::Internal("the daily-log writer has stopped".into()),
        })?;
        self.metrics.log_queue.inc();
        Ok(answer)
    }

    /// Records a log and waits for the commit.
    pub async fn create(&self, job: Job) -> Result<Created, ApiError> {
        settle(self.submit(job)?).await
    }
}

/// Waits for a submitted log's answer.
pub async fn settle(pending: Pending) -> Result<Created, ApiError> {
    pending.await.map_err(|_| ApiError::Internal("the daily-log writer dropped a log".into()))?.map_err(ApiError::from)
}

/// Takes the next group: waits for one log, then takes whatever else is already waiting.
fn next_group(incoming: &Mutex<mpsc::Receiver<Item>>) -> Option<Vec<Item>> {
    let incoming = incoming.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut items = vec![incoming.recv().ok()?];
    while items.len() < MAX_GROUP {
        match incoming.try_recv() {
            Ok(item) => items.push(item),
            Err(_) => break,
        }
    }
    Some(items)
}

fn run(pool: &Pool, incoming: &Mutex<mpsc::Receiver<Item>>, metrics: &Metrics) {
    while let Some(items) = next_group(incoming) {
        let (jobs, replies): (Vec<Job>, Vec<_>) = items.into_iter().map(|i| (i.job, i.reply)).unzip();
        let n = jobs.len();
        metrics.log_queue.sub(i64::try_from(n).unwrap_or(0));
        #[allow(clippy::cast_precision_loss)] // at most MAX_GROUP
        metrics.log_group.observe(n as f64);
        let results = match crate::state::checkout(pool, &metrics.pool_waiting) {
            Ok(mut conn) => create_many(&mut conn, jobs),
            Err(e) => {
                let why = match e {
                    StoreError::Unavailable(why) => why,
                    other => other.to_string(),
                };
                (0..n).map(|_| Err(StoreError::Unavailable(why.clone()))).collect()
            }
        };
        for (result, reply) in results.into_iter().zip(replies) {
            // A caller that went away (timeout, closed connection) no longer needs the answer;
            // the log is stored all the same.
            let _ = reply.send(result);
        }
    }
}
