# e-Kinerja server image: `docker build -t ekinerja .`
# Build stage: the release binary, with SQLite and PostgreSQL client libraries.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p ekinerja-api --bin ekinerja \
 && strip target/release/ekinerja

# Runtime stage: the binary and the two client libraries, run by an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libsqlite3-0 libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ekinerja \
 && useradd --system --uid 10001 --gid ekinerja --home-dir /data --shell /usr/sbin/nologin ekinerja \
 && mkdir -p /data \
 && chown ekinerja:ekinerja /data
COPY --from=build /src/target/release/ekinerja /usr/local/bin/ekinerja
USER 10001:10001
WORKDIR /data
VOLUME /data
# Production by default: start-up stops unless EKINERJA_JWT_SECRET is given (32+ random bytes).
# The embedded SQLite database lives in the /data volume; set DATABASE_URL=postgres://… for
# PostgreSQL (see compose.yaml).
# MALLOC_ARENA_MAX=2: glibc keeps a heap per thread, and reads run on whichever blocking thread
# is free, so memory one large report freed stayed resident in another thread's heap; with two
# heaps the 100,000-employee reports peak about 25 MiB lower (BENCHMARKS.md, session 49).
ENV DATABASE_URL=sqlite:///data/ekinerja.db \
    EKINERJA_FILES_DIR=/data/files \
    EKINERJA_BIND=0.0.0.0:8080 \
    EKINERJA_ENV=production \
    EKINERJA_LOG_FORMAT=json \
    MALLOC_ARENA_MAX=2
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=6s --start-period=60s --retries=3 CMD ["ekinerja", "ready"]
ENTRYPOINT ["ekinerja"]
CMD ["serve"]
