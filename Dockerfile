# syntax=docker/dockerfile:1
# khabar in a container (issue #6): build with the Rust toolchain, run as a
# non-root user on a slim Debian with only CA certificates added.
#   docker build -t khabar .
#   docker run -d --name khabar -p 8080:8080 -v khabar-data:/data khabar
# The database lives in the /data volume. No config file is needed: every
# key can be set as KHABAR_<SECTION>_<KEY> (-e KHABAR_SERVER_PUBLIC_URL=…,
# README "Environment"). A khabar.toml in /data (the working directory), or
# one named by KHABAR_CONFIG, is read too; the environment wins over it.
# khabar.example.toml is copied to /etc/khabar for reference.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
# Cache mounts keep the registry and build folder between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin khabar \
    && cp target/release/khabar /usr/local/bin/khabar \
    && strip /usr/local/bin/khabar

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin khabar \
    && mkdir -p /data /etc/khabar \
    && chown khabar:khabar /data
COPY --from=build /usr/local/bin/khabar /usr/local/bin/khabar
COPY khabar.example.toml /etc/khabar/khabar.example.toml
USER khabar
WORKDIR /data
VOLUME ["/data"]
ENV KHABAR_DATABASE_PATH=/data/khabar.db \
    KHABAR_SERVER_LISTEN=0.0.0.0:8080
EXPOSE 8080
# khabar exits within 8 s of SIGTERM; `docker stop` waits 10 s by default.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["khabar"]
CMD ["run"]
