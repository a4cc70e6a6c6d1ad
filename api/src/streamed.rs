//! Answers written out as they are serialised. A large read (the cascade of an agency of a
//! hundred thousand employees) becomes JSON a chunk at a time on a blocking thread, and each chunk
//! is sent when the client has taken the one before: the answer is never held whole in memory,
//! beside the data it is written from.

use std::io::{self, Write};

use actix_web::{web, HttpResponse, HttpResponseBuilder};
use tokio::sync::mpsc;

use crate::error::ApiError;

/// The size of a chunk of a streamed answer.
pub const CHUNK: usize = 64 * 1024;

/// A part of an answer, and whether it is its last.
struct Chunk {
    bytes: web::Bytes,
    last: bool,
}

/// Hands what is written on in chunks of at least `size` bytes, waiting while the client has not
/// taken the chunks before.
struct ChunkWriter {
    buf: Vec<u8>,
    size: usize,
    out: mpsc::Sender<Result<Chunk, String>>,
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.size {
            let bytes = web::Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(self.size)));
            self.out
                .blocking_send(Ok(Chunk { bytes, last: false }))
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A JSON answer that `write` writes on a blocking thread, sent in chunks of about `size` bytes.
///
/// `write` owns what it writes from, and writes it whole: errors that can be answered as problems
/// (a refusal, a missing object) come before, from the read. An answer of one chunk is an
/// ordinary body with its length. If writing fails part way, which JSON of loaded values does
/// not, the body stops before its end and the failure is logged.
pub async fn json(
    mut answer: HttpResponseBuilder,
    size: usize,
    write: impl FnOnce(&mut dyn Write) -> serde_json::Result<()> + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let (out, mut chunks) = mpsc::channel(2);
    actix_web::rt::task::spawn_blocking(move || {
        let mut writer = ChunkWriter { buf: Vec::with_capacity(size), size: size.max(1), out };
        let last = match write(&mut writer) {
            Ok(()) => Ok(Chunk { bytes: web::Bytes::from(std::mem::take(&mut writer.buf)), last: true }),
            // The client went away: nobody is left to tell.
            Err(e) if e.is_io() => return,
            Err(e) => Err(e.to_string()),
        };
        // The receiver is gone only if the client is.
        let _ = writer.out.blocking_send(last);
    });
    let first = chunks
        .recv()
        .await
        .ok_or_else(|| ApiError::Internal("an answer's writer stopped before its first part".into()))?
        .map_err(|e| ApiError::Internal(format!("an answer does not write: {e}")))?;
    answer.content_type("application/json");
    if first.last {
        return Ok(answer.body(first.bytes));
    }
    let rest = futures_util::stream::unfold(Some(chunks), |chunks| async move {
        let mut chunks = chunks?;
        let (item, more) = match chunks.recv().await {
            Some(Ok(chunk)) => (Ok(chunk.bytes), !chunk.last),
            Some(Err(e)) => (Err(e), false),
            None => (Err("its writer stopped".to_string()), false),
        };
        let item = item.map_err(|e| {
            log::warn!(target: "ekinerja::answer", "an answer stopped part way: {e}");
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
        let answer = json(HttpResponse::Ok(), 1_000, move |w| serde_json::to_writer(w, &copy)).await;
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
        let answer = json(HttpResponse::Ok(), CHUNK, move |w| serde_json::to_writer(w, &items)).await;
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
        let early = json(HttpResponse::Ok(), CHUNK, |w| serde_json::to_writer(w, &Failing { after: 2 })).await;
        assert!(matches!(early, Err(ApiError::Internal(_))));
        let late = json(HttpResponse::Ok(), 500, |w| serde_json::to_writer(w, &Failing { after: 100 })).await;
        let body = late.unwrap().into_body();
        assert_eq!(body.size(), BodySize::Stream);
        assert!(to_bytes(body).await.is_err(), "the body ends in an error, not in a clean end");
    }
}
