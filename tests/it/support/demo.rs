//! The demo's outlets (`demo/outlets/`) on a real HTTP server.

use super::{FeedServer, Reply};

/// The demo's outlets, served with the Content-Types the demo serves them
/// with; the server and the feed URLs.
pub fn demo_outlets() -> (FeedServer, Vec<String>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("demo");
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join("outlets.toml")).unwrap()).unwrap();
    let server = FeedServer::start();
    let mut urls = Vec::new();
    for outlet in manifest["outlet"].as_array().expect("outlets") {
        let file = outlet["file"].as_str().expect("a file");
        let body = std::fs::read(root.join("outlets").join(file)).unwrap();
        let path = format!("/{file}");
        server.serve(
            &path,
            Reply::ok(outlet["content_type"].as_str().expect("a type"), body),
        );
        urls.push(server.url(&path));
    }
    (server, urls)
}
