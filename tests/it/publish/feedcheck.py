"""Reads khabar's published feeds the way feed readers do, with feedparser.

Usage: feedcheck.py EXPECTED.json

EXPECTED.json lists the documents to fetch, each with the entries the
database says it holds (newest first):

  {"base": "http://127.0.0.1:PORT", "public_url": "https://khabar.example/",
   "documents": [{"path": "/feed.atom", "format": "atom", "topic": null,
                  "entries": [{"title": "...", "link": "...", "published": 1755060000,
                               "updated": 1755060000, "source_title": "...",
                               "source_url": "..."}]}],
   "walk": {"path": "/feed.atom?limit=20", "total": 74}}

Prints one line per check and exits 1 on the first failure.

feedparser 6.0.11 reads RSS and Atom only (it has no JSON Feed parser:
JSON gives bozo=1 "not well-formed"), so JSON Feed documents are read with
the json module and checked against the JSON Feed 1.1 fields instead.
"""

import calendar
import json
import sys
import urllib.error
import urllib.request
from datetime import datetime

import feedparser


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def fetch(spec, path, **kw):
    d = feedparser.parse(spec["base"] + path, **kw)
    if d.get("bozo"):
        fail(f"{path}: bozo: {d.get('bozo_exception')!r}")
    return d


def local(spec, url):
    """A link as published (under public_url) → the test server's URL."""
    if not url.startswith(spec["public_url"]):
        fail(f"link {url} is not under public_url {spec['public_url']}")
    return "/" + url[len(spec["public_url"]):]


def when(parsed):
    return calendar.timegm(parsed) if parsed else None


def rfc3339(text):
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def read_json_feed(spec, path):
    """A JSON Feed 1.1 document as feedparser-shaped entries."""
    with urllib.request.urlopen(spec["base"] + path) as r:
        status, etag = r.status, r.headers.get("ETag")
        if "json" not in r.headers.get("Content-Type", ""):
            fail(f"{path}: Content-Type {r.headers.get('Content-Type')}")
        feed = json.loads(r.read().decode("utf-8"))
    if feed.get("version") != "https://jsonfeed.org/version/1.1" or not feed.get("title"):
        fail(f"{path}: not a JSON Feed 1.1 document")
    entries = []
    for item in feed["items"]:
        if not item.get("id") or not (item.get("content_html") or item.get("content_text")):
            fail(f"{path}: item without id or content: {item}")
        entries.append({
            "id": item["id"], "title": item.get("title"), "link": item.get("url"),
            "published_parsed": None, "published": rfc3339(item["date_published"]),
            "updated": rfc3339(item["date_modified"]), "authors": item.get("authors", []),
            "source": item.get("_source", {}), "tags": [{"term": t} for t in item.get("tags", [])],
        })
    return {"status": status, "etag": etag, "entries": entries}


def published(entry):
    return entry["published"] if entry.get("published_parsed") is None else when(entry["published_parsed"])


def updated(entry):
    return entry["updated"] if entry.get("published_parsed") is None else when(entry.get("updated_parsed"))


def check_document(spec, doc):
    path, fmt = doc["path"], doc["format"]
    d = read_json_feed(spec, path) if fmt == "json" else fetch(spec, path)
    if d.get("status") != 200:
        fail(f"{path}: status {d.get('status')}")
    want, entries = doc["entries"], d["entries"]
    if len(entries) != len(want):
        fail(f"{path}: {len(entries)} entries, database has {len(want)}")
    for i, (got, exp) in enumerate(zip(entries, want)):
        where = f"{path} entry {i}"
        if got.get("title") != exp["title"]:
            fail(f"{where}: title {got.get('title')!r} != {exp['title']!r}")
        if got.get("link") != exp["link"]:
            fail(f"{where}: link {got.get('link')!r} != {exp['link']!r}")
        if published(got) != exp["published"]:
            fail(f"{where}: published {got.get('published')!r} != {exp['published']}")
        if fmt != "rss" and updated(got) != exp["updated"]:
            fail(f"{where}: updated {got.get('updated')!r} != {exp['updated']}")
        if not got.get("id"):
            fail(f"{where}: no id")
        if fmt == "json":
            source = got["source"]
            if (source.get("title"), source.get("feed_url")) != (exp["source_title"], exp["source_url"]):
                fail(f"{where}: _source {source} != {exp['source_title']!r} {exp['source_url']!r}")
        if fmt in ("atom", "rss"):
            source = got.get("source") or {}
            if source.get("title") != exp["source_title"]:
                fail(f"{where}: source title {source.get('title')!r} != {exp['source_title']!r}")
            href = source.get("href") or next(
                (l["href"] for l in source.get("links", []) if l.get("rel") == "self"), None)
            if href != exp["source_url"]:
                fail(f"{where}: source url {href!r} != {exp['source_url']!r}")
        if fmt != "rss":
            authors = [a.get("name") for a in got.get("authors", [])]
            if not authors:
                fail(f"{where}: no authors")
        if doc.get("topic"):
            terms = [t.get("term") for t in got.get("tags", [])]
            if doc["topic"] not in terms:
                fail(f"{where}: tags {terms} lack {doc['topic']}")
    print(f"ok {path}: {len(entries)} entries match the database")

    etag = d.get("etag")
    if not etag:
        fail(f"{path}: no ETag")
    if fmt == "json":
        request = urllib.request.Request(spec["base"] + path, headers={"If-None-Match": etag})
        try:
            status = urllib.request.urlopen(request).status
        except urllib.error.HTTPError as e:
            status = e.code
    else:
        status = feedparser.parse(spec["base"] + path, etag=etag, modified=d.get("modified")).get("status")
    if status != 304:
        fail(f"{path}: revalidation with ETag got {status}, not 304")
    print(f"ok {path}: 304 with ETag {etag}")


def walk(spec, start, total):
    path, seen, pages = start, [], 0
    while path:
        d = fetch(spec, path)
        pages += 1
        seen += [e.id for e in d.entries]
        nxt = [l["href"] for l in d.feed.get("links", []) if l.get("rel") == "next"]
        archive = [l["href"] for l in d.feed.get("links", []) if l.get("rel") == "prev-archive"]
        if nxt != archive:
            fail(f"{path}: next {nxt} and prev-archive {archive} differ")
        path = local(spec, nxt[0]) if nxt else None
        if pages > 100:
            fail("paging does not end")
    if len(seen) != total or len(set(seen)) != total:
        fail(f"walking from {start}: {len(seen)} entries ({len(set(seen))} distinct), want {total}")
    print(f"ok walk {start}: {pages} pages, {total} distinct entries")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    for doc in spec["documents"]:
        check_document(spec, doc)
    walk(spec, spec["walk"]["path"], spec["walk"]["total"])


if __name__ == "__main__":
    main()
