"""Prints one JSON line per .eml file: headers and parts, as Python's email
parser sees them (the digest tests assert on it)."""
import email
import email.policy
import json
import sys

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    parts = [p for p in m.walk() if not p.is_multipart()]
    print(json.dumps({
        "path": path,
        "content_type": m.get_content_type(),
        "headers": {k: str(v) for k, v in m.items()},
        "parts": {p.get_content_type(): p.get_content() for p in parts},
        "defects": [str(d) for d in m.defects] + [str(d) for p in parts for d in p.defects],
    }, ensure_ascii=False))
