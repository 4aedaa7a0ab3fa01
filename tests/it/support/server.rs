//! A feed server on 127.0.0.1:0 serving a table of paths → [`Reply`], and
//! remembering every request's headers so tests can ask what khabar sent.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Router;
use futures::{stream, StreamExt};

/// Chunk size of streamed bodies; the stream is generated, never held.
const STREAM_CHUNK: usize = 64 * 1024;

/// Filler for streamed bodies: spaces, which a parser would happily skip.
static FILLER: [u8; STREAM_CHUNK] = [b' '; STREAM_CHUNK];

/// What the server answers on one path.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    payload: Payload,
    /// ETag and Last-Modified that make a matching conditional GET a 304.
    validators: Option<(Option<String>, Option<String>)>,
}

#[derive(Clone, Debug)]
enum Payload {
    Bytes(Bytes),
    /// `len` bytes of filler after a prefix, chunked, no Content-Length.
    Stream {
        prefix: Bytes,
        len: u64,
    },
    /// One byte every `every`, without end.
    Drip {
        every: Duration,
    },
}

impl Reply {
    /// 200 with a body and its Content-Type.
    pub fn ok(content_type: &str, body: impl Into<Bytes>) -> Reply {
        Reply {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            payload: Payload::Bytes(body.into()),
            validators: None,
        }
    }

    /// 200 with an RSS body labelled UTF-8.
    pub fn rss(body: impl Into<Bytes>) -> Reply {
        Reply::ok("application/rss+xml; charset=utf-8", body)
    }

    /// A bare status with an empty body.
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            payload: Payload::Bytes(Bytes::new()),
            validators: None,
        }
    }

    /// A redirect to `to` (a path on this server or an absolute URL).
    pub fn redirect(status: u16, to: &str) -> Reply {
        Reply::status(status).header("location", to)
    }

    /// A gzip-compressed body sent with `Content-Encoding: gzip`.
    pub fn gzip(content_type: &str, compressed: impl Into<Bytes>) -> Reply {
        Reply::ok(content_type, compressed).header("content-encoding", "gzip")
    }

    /// 200 streaming `prefix` then `len` filler bytes, chunked (no
    /// Content-Length), generated as it is sent.
    pub fn stream(content_type: &str, prefix: &'static str, len: u64) -> Reply {
        Reply {
            payload: Payload::Stream {
                prefix: Bytes::from_static(prefix.as_bytes()),
                len,
            },
            ..Reply::ok(content_type, Bytes::new())
        }
    }

    /// 200 whose body arrives one byte every `every`, never finishing.
    pub fn drip(every: Duration) -> Reply {
        Reply {
            payload: Payload::Drip { every },
            ..Reply::ok("application/rss+xml", Bytes::new())
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends these validators and answers 304 to a request that presents
    /// either of them (If-None-Match / If-Modified-Since).
    pub fn validated(mut self, etag: Option<&str>, last_modified: Option<&str>) -> Reply {
        if let Some(e) = etag {
            self = self.header("etag", e);
        }
        if let Some(lm) = last_modified {
            self = self.header("last-modified", lm);
        }
        self.validators = Some((etag.map(String::from), last_modified.map(String::from)));
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request path.
    pub path: String,
    /// Its headers.
    pub headers: HeaderMap,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Reply>>,
    seen: Mutex<Vec<Seen>>,
}

/// A running feed server. Dropping it stops it.
pub struct FeedServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _runtime: tokio::runtime::Runtime,
}

impl FeedServer {
    /// Starts an empty server on a free loopback port.
    pub fn start() -> FeedServer {
        FeedServer::start_on("127.0.0.1:0".parse().expect("an address")).expect("bind test server")
    }

    /// Starts an empty server on `addr` (another loopback address, a
    /// given port), or says why it cannot listen there.
    pub fn start_on(addr: SocketAddr) -> std::io::Result<FeedServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test server runtime");
        let shared = Arc::new(Shared::default());
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
        let addr = listener.local_addr().expect("test server address");
        runtime.spawn(async move { axum::serve(listener, app).await });
        Ok(FeedServer {
            addr,
            shared,
            _runtime: runtime,
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request made to it, in order.
    pub fn all_requests(&self) -> Vec<Seen> {
        lock(&self.shared.seen).clone()
    }

    /// Starts a server with these routes.
    pub fn with(routes: impl IntoIterator<Item = (&'static str, Reply)>) -> FeedServer {
        let server = FeedServer::start();
        for (path, reply) in routes {
            server.serve(path, reply);
        }
        server
    }

    /// Serves `reply` on `path` from now on (replacing what was there).
    pub fn serve(&self, path: &str, reply: Reply) {
        lock(&self.shared.routes).insert(path.to_owned(), reply);
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request made to `path`, in order.
    pub fn requests(&self, path: &str) -> Vec<Seen> {
        lock(&self.shared.seen)
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let headers = request.headers().clone();
    lock(&shared.seen).push(Seen {
        path: path.clone(),
        headers: headers.clone(),
    });
    let reply = lock(&shared.routes).get(&path).cloned();
    match reply {
        Some(reply) => respond(reply, &headers),
        None => build(404, &[], Body::from("no such feed")),
    }
}

fn respond(reply: Reply, request: &HeaderMap) -> Response {
    if let Some((etag, last_modified)) = &reply.validators {
        let presented = |name: HeaderName, want: &Option<String>| {
            want.is_some() && request.get(name).and_then(|v| v.to_str().ok()) == want.as_deref()
        };
        if presented(header::IF_NONE_MATCH, etag)
            || presented(header::IF_MODIFIED_SINCE, last_modified)
        {
            let keep: Vec<_> = reply
                .headers
                .iter()
                .filter(|(n, _)| n == "etag" || n == "last-modified")
                .cloned()
                .collect();
            return build(304, &keep, Body::empty());
        }
    }
    let body = match reply.payload {
        Payload::Bytes(b) => Body::from(b),
        Payload::Stream { prefix, len } => Body::from_stream(filler(prefix, len)),
        Payload::Drip { every } => Body::from_stream(drip(every)),
    };
    build(reply.status, &reply.headers, body)
}

fn filler(
    prefix: Bytes,
    len: u64,
) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Send {
    let rest = stream::unfold(len, |left| async move {
        (left > 0).then(|| {
            let n = left.min(STREAM_CHUNK as u64);
            (Ok(Bytes::from_static(&FILLER[..n as usize])), left - n)
        })
    });
    stream::once(async move { Ok(prefix) }).chain(rest)
}

fn drip(every: Duration) -> impl futures::Stream<Item = Result<Bytes, Infallible>> + Send {
    stream::unfold(true, move |first| async move {
        if !first {
            tokio::time::sleep(every).await;
        }
        Some((Ok(Bytes::from_static(b"<")), false))
    })
}

fn build(status: u16, headers: &[(String, String)], body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).expect("valid test status");
    for (name, value) in headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("valid test header name"),
            HeaderValue::from_str(value).expect("valid test header value"),
        );
    }
    response
}
