"""A WebSub hub and the outlet it serves, on loopback, for tests/it/websub.rs.

Follows the W3C WebSub Recommendation from the hub's side: a subscription
request (POST /hub, form-encoded) is answered 202 and its intent verified
asynchronously with a GET to the callback carrying hub.challenge (§5.3);
only an echoed challenge makes the subscription active. Content is
distributed (§7) as the whole feed document, signed with the subscriber's
hub.secret as X-Hub-Signature: sha256=HMAC (§8).

The outlet's feed is /feed.xml; it announces the hub in the document and in
the HTTP Link header. /plain.xml is the same feed announcing no hub (only
polled).

It is also the external hub of a publisher (khabar with websub.hub): a
publish ping (POST /hub, hub.mode=publish, the topic as hub.url and
hub.topic) is recorded and answered 204, or 500 while failures are armed.

Test controls (JSON answers):
  POST /publish?guid=G&title=T  add an entry and push the feed to subscribers
  POST /add?guid=G&title=T      add an entry without pushing (to be polled)
  POST /forge?guid=G&title=T    push a feed with that entry, wrongly signed,
                                without adding it to the outlet
  POST /fail-publish?n=N        answer the next N publish pings 500
  POST /never-verify            from now on, accept (un)subscription requests
                                (202) but never verify them
  POST /gone                    from now on, /feed.xml answers 410 Gone
  GET  /state                   subscriptions, verifications, push answers,
                                publish pings, fetches of /feed.xml and
                                /plain.xml
Prints "listening on PORT" once it serves. Usage: websub_hub.py LEASE_SECONDS
"""

import hashlib
import hmac
import json
import secrets
import sys
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LEASE = int(sys.argv[1]) if len(sys.argv) > 1 else 3600
lock = threading.Lock()
entries = [("seed-1", "Seed entry one")]
subscriptions = {}  # callback -> {"topic", "secret", "lease", "verified"}
log = {"verifications": 0, "denied_checks": 0, "pushes": [], "requests": 0,
       "publishes": [], "plain_fetches": 0, "feed_fetches": 0}
failing_publishes = [0]
never_verify = [False]
gone = [False]


def feed_xml(base, items, announce=True):
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        "<title>Loopback outlet</title><link>%s/</link>" % base,
    ]
    if announce:
        parts.append('<atom:link rel="hub" href="%s/hub"/>' % base)
        parts.append('<atom:link rel="self" href="%s/feed.xml"/>' % base)
    for guid, title in items:
        parts.append(
            "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title>"
            "<link>%s/%s</link><description>%s</description></item>"
            % (guid, title, base, guid, title)
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def verify(callback, topic, secret, mode):
    challenge = secrets.token_hex(16)
    query = urllib.parse.urlencode(
        {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge,
         "hub.lease_seconds": str(LEASE)})
    sep = "&" if "?" in callback else "?"
    try:
        with urllib.request.urlopen(callback + sep + query, timeout=10) as r:
            ok = r.status == 200 and r.read().decode() == challenge
    except Exception:
        ok = False
    with lock:
        if not ok:
            return
        log["verifications"] += 1
        if mode == "subscribe":
            subscriptions[callback] = {"topic": topic, "secret": secret,
                                       "lease": LEASE}
        else:
            subscriptions.pop(callback, None)


def push(body, signer):
    with lock:
        targets = list(subscriptions.items())
    for callback, sub in targets:
        signature = signer(sub["secret"].encode(), body)
        request = urllib.request.Request(callback, data=body, method="POST", headers={
            "Content-Type": "application/rss+xml",
            "X-Hub-Signature": signature,
            "Link": '<%s>; rel="self"' % sub["topic"]})
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception:
            status = 0
        with lock:
            log["pushes"].append(status)


def good_signature(secret, body):
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def forged_signature(secret, body):
    return "sha256=" + hmac.new(b"not the secret", body, hashlib.sha256).hexdigest()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def base(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def reply(self, status, body=b"", content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/feed.xml" and gone[0]:
            self.reply(410)
        elif self.path == "/feed.xml":
            with lock:
                log["feed_fetches"] += 1
                body = feed_xml(self.base(), entries)
            link = '<%s/hub>; rel="hub", <%s/feed.xml>; rel="self"' % (self.base(), self.base())
            self.reply(200, body, "application/rss+xml", [("Link", link)])
        elif self.path == "/plain.xml":
            with lock:
                log["plain_fetches"] += 1
                body = feed_xml(self.base(), entries, announce=False)
            self.reply(200, body, "application/rss+xml")
        elif self.path == "/state":
            with lock:
                state = dict(log, subscriptions=len(subscriptions))
            self.reply(200, json.dumps(state).encode(), "application/json")
        else:
            self.reply(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/hub":
            form = dict(urllib.parse.parse_qsl(data.decode()))
            if form.get("hub.mode") == "publish":
                return self.publish_ping(form)
            with lock:
                log["requests"] += 1
            mode, topic = form.get("hub.mode"), form.get("hub.topic")
            callback = form.get("hub.callback")
            if mode not in ("subscribe", "unsubscribe") or not topic or not callback:
                return self.reply(400, b"bad request")
            if topic != self.base() + "/feed.xml":
                return self.reply(400, b"unknown topic")
            args = (callback, topic, form.get("hub.secret", ""), mode)
            with lock:
                silent = never_verify[0]
            if not silent:
                threading.Thread(target=verify, args=args, daemon=True).start()
            self.reply(202)
        elif url.path == "/add":
            with lock:
                entries.append((query["guid"], query["title"]))
            self.reply(200, b"{}", "application/json")
        elif url.path == "/gone":
            with lock:
                gone[0] = True
            self.reply(200, b"{}", "application/json")
        elif url.path == "/never-verify":
            with lock:
                never_verify[0] = True
            self.reply(200, b"{}", "application/json")
        elif url.path == "/fail-publish":
            with lock:
                failing_publishes[0] = int(query["n"])
            self.reply(200, b"{}", "application/json")
        elif url.path in ("/publish", "/forge"):
            entry = (query["guid"], query["title"])
            with lock:
                if url.path == "/publish":
                    entries.append(entry)
                    items = list(entries)
                else:
                    items = entries + [entry]
                body = feed_xml(self.base(), items)
            signer = good_signature if url.path == "/publish" else forged_signature
            push(body, signer)
            self.reply(200, b"{}", "application/json")
        else:
            self.reply(404)

    def publish_ping(self, form):
        with lock:
            status = 500 if failing_publishes[0] > 0 else 204
            failing_publishes[0] = max(0, failing_publishes[0] - 1)
            log["publishes"].append({
                "url": form.get("hub.url"), "topic": form.get("hub.topic"),
                "content_type": self.headers.get("Content-Type"),
                "status": status})
        self.reply(status)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening on %d" % server.server_address[1], flush=True)
server.serve_forever()
