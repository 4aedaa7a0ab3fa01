"""Reads the real-feed fixtures with Python's feedparser (the reference
oracle of the differential test in realfeeds.rs) and prints, as JSON, what
it found in each: {file: {"items": [{title, link, id, published, updated}]}}.

Usage: feedparser_dump.py MANIFEST.json

Each feed is parsed from its bytes with its served URL as Content-Location,
so relative links resolve as they would have. Dates are the *_parsed
values feedparser derives (UTC), as RFC 3339, or null when it read none.
"""

import calendar
import json
import os
import sys
from datetime import datetime, timezone

import feedparser


def instant(parsed):
    if not parsed:
        return None
    seconds = calendar.timegm(parsed)
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(manifest_path):
    folder = os.path.dirname(os.path.abspath(manifest_path))
    with open(manifest_path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    out = {}
    for case in manifest:
        with open(os.path.join(folder, case["file"]), "rb") as fh:
            body = fh.read()
        d = feedparser.parse(body, response_headers={"content-location": case["url"]})
        out[case["file"]] = {
            "items": [
                {
                    "title": e.get("title"),
                    "link": e.get("link"),
                    "id": e.get("id"),
                    "published": instant(e.get("published_parsed")),
                    "updated": instant(e.get("updated_parsed")),
                }
                for e in d.entries
            ]
        }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
