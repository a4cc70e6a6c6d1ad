//! Answers written out as they are serialised. A large read (the cascade of an agency of a
//! hundred thousand employees) becomes JSON a chunk at a time on a blocking thread, at most two
//! chunks ahead of the client: the answer is never held whole in memory, beside the data it is
//! written from.

use std::io::{self, Write};
use std::time::Duration;

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::error::ApiError;

/// The size of a chunk of a streamed answer.
pub const CHUNK: usize = 64 * 1024;

/// How long a client may leave a chunk untaken before its answer is given up: a client that
/// stops reading but keeps its connection open must not hold a thread and the data for ever.
pub const STALL: Duration = Duration::from_secs(60);

/// A part of an answer, and whether it is its last.
struct Chunk {
    bytes: web::Bytes,
    last: bool,
}

/// Hands what is written on in chunks of at least `size` bytes, waiting while the client has not
/// taken the chunks before, up to `stall` for each.
struct ChunkWriter {
    buf: Vec<u8>,
    size: usize,
    stall: Duration,
    runtime: Handle,
    out: mpsc::Sender<Result<Chunk, String>>,
}

impl ChunkWriter {
    fn send(&self, part: Result<Chunk, String>) -> io::Result<()> {
        match self.runtime.block_on(tokio::time::timeout(self.stall, self.out.send(part))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(io::Error::new(io::ErrorKind::BrokenPipe, "the client went away")),
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading")),
        }
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.size {
            let bytes = web::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(self.size)));
            self.send(Ok(Chunk { bytes, last: false }))?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A JSON answer that `write` writes on a blocking thread, sent in chunks of [`CHUNK`] bytes;
/// `what` names it in the log.
///
/// `write` owns what it writes from, and writes it whole: errors that can be answered as problems
/// (a refusal, a missing object) come before, from the read. An answer of one chunk is an
/// ordinary body with its length. If writing fails part way (JSON of loaded values does not, but
/// a client may stop reading for [`STALL`]), the body stops before its end and the failure is
/// logged.
pub async fn json(
    answer: HttpResponseBuilder,
    what: &'static str,
    write: impl FnOnce(&mut dyn Write) -> serde_json::Result<()> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    json_paced(answer, what, CHUNK, STALL, write).await
}

async fn json_paced(
    mut answer: HttpResponseBuilder,
    what: &'static str,
    size: usize,
    stall: Duration,
    write: impl FnOnce(&mut dyn Write) -> serde_json::Result<()> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let (out, mut chunks) = mpsc::channel(2);
    let runtime = Handle::current();
    actix_web::rt::task::spawn_blocking(move || {
        let mut writer = ChunkWriter { buf: Vec::with_capacity(size), size: size.max(1), stall, runtime, out };
        let last = match write(&mut writer) {
            Ok(()) => Ok(Chunk { bytes: web::Bytes::from(std::mem::take(&mut writer.buf)), last: true }),
            Err(e) if e.is_io() => {
                log::info!(target: "ekinerja::answer", "{what}: the answer was given up: {e}");
                return;
            }
            Err(e) => Err(e.to_string()),
        };
        // Nobody is left to tell if this fails: the client is gone or stopped reading.
        let _ = writer.send(last);
    });
    let first = chunks
        .recv()
        .await
        .ok_or_else(|| ApiError::Internal(format!("{what}: the writer stopped before its first part")))?
        .map_err(|e| ApiError::Internal(format!("{what} does not write: {e}")))?;
    answer.content_type("application/json");
    if first.last {
        return Ok(answer.body(first.bytes));
    }
    let rest = futures_util::stream::unfold(Some(chunks), move |chunks| async move {
        let mut chunks = chunks?;
        let (item, more) = match chunks.recv().await {
            Some(Ok(chunk)) => (Ok(chunk.bytes), !chunk.last),
            Some(Err(e)) => (Err(e), false),
            None => (Err("its writer stopped".to_string()), false),
        };
        let item = item.map_err(|e| {
            log::warn!(target: "ekinerja::answer", "{what}: the answer stopped part way: {e}");
            ApiError::Internal(e)
        });
        Some((item, more.then_some(chunks)))
    });
    let first = futures_util::stream::once(std::future::ready(Ok::<_, ApiError>(first.bytes)));
    Ok(answer.streaming(futures_util::StreamExt::chain(first, rest)))
}

#[cfg(test)]
mod tests {
    use actix_web::body::{to_bytes, BodySize, MessageBody};

    use super::*;

    fn numbers(n: u32) -> Vec<serde_json::Value> {
        (0..n).map(|i| serde_json::json!({ "i": i, "text": "x".repeat((i % 50) as usize) })).collect()
    }

    #[actix_web::test]
    async fn a_large_answer_comes_in_chunks_and_whole() {
        let items = numbers(2_000);
        let expected = serde_json::to_vec(&items).unwrap();
        let copy = items.clone();
        let answer =
            json_paced(HttpResponse::Ok(), "numbers", 1_000, STALL, move |w| serde_json::to_writer(w, &copy)).await;
        let answer = answer.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
        let body = answer.into_body();
        assert_eq!(body.size(), BodySize::Stream, "more than one chunk is streamed");
        let bytes = to_bytes(body).await.unwrap().to_vec();
        assert!(expected.len() > 10_000);
        assert_eq!(bytes, expected);
    }

    #[actix_web::test]
    async fn a_small_answer_is_an_ordinary_body_with_its_length() {
        let items = numbers(3);
        let expected = serde_json::to_vec(&items).unwrap();
        let answer = json(HttpResponse::Ok(), "numbers", move |w| serde_json::to_writer(w, &items)).await;
        let body = answer.unwrap().into_body();
        assert_eq!(body.size(), BodySize::Sized(expected.len() as u64));
        assert_eq!(to_bytes(body).await.unwrap().to_vec(), expected);
    }

    /// A value whose serialisation fails after `after` elements.
    struct Failing {
        after: u32,
    }

    impl serde::Serialize for Failing {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::{Error, SerializeSeq};
            let mut seq = s.serialize_seq(None)?;
            for i in 0..self.after {
                seq.serialize_element(&"x".repeat(100 + (i % 3) as usize))?;
            }
            Err(S::Error::custom("no more"))
        }
    }

    #[actix_web::test]
    async fn a_failure_before_the_first_chunk_is_a_problem_and_after_it_a_cut_body() {
        let early = json(HttpResponse::Ok(), "failing", |w| serde_json::to_writer(w, &Failing { after: 2 })).await;
        assert!(matches!(early, Err(ApiError::Internal(_))));
        let late = json_paced(HttpResponse::Ok(), "failing", 500, STALL, |w| {
            serde_json::to_writer(w, &Failing { after: 100 })
        })
        .await;
        let body = late.unwrap().into_body();
        assert_eq!(body.size(), BodySize::Stream);
        assert!(to_bytes(body).await.is_err(), "the body ends in an error, not in a clean end");
    }

    /// Writes `items`, then says on `done` whether the writing succeeded.
    async fn watched(size: usize, stall: Duration, done: std::sync::mpsc::Sender<bool>) -> HttpResponse {
        let items = numbers(2_000);
        json_paced(HttpResponse::Ok(), "watched", size, stall, move |w| {
            let written = serde_json::to_writer(w, &items);
            let _ = done.send(written.is_ok());
            written
        })
        .await
        .unwrap()
    }

    #[actix_web::test]
    async fn a_client_that_goes_away_or_stops_reading_frees_the_writer() {
        // Gone after the first chunk: the writer stops at its next one.
        let (done, finished) = std::sync::mpsc::channel();
        let answer = watched(1_000, STALL, done).await;
        drop(answer);
        let wait = actix_web::rt::task::spawn_blocking(move || finished.recv_timeout(Duration::from_secs(10)));
        assert_eq!(wait.await.unwrap(), Ok(false), "the writer gave up, unfinished");

        // Still connected, never reading: given up after the stall.
        let (done, finished) = std::sync::mpsc::channel();
        let answer = watched(1_000, Duration::from_millis(200), done).await;
        let wait = actix_web::rt::task::spawn_blocking(move || finished.recv_timeout(Duration::from_secs(10)));
        assert_eq!(wait.await.unwrap(), Ok(false), "the writer gave up, unfinished");
        drop(answer);
    }
}
