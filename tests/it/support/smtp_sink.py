"""A real SMTP server for khabar's digest tests (aiosmtpd on 127.0.0.1).

Writes each accepted message to OUT_DIR/PID-NNNNN.eml and prints the port
it listens on. --fail-first N answers 451 to the first N DATA commands;
--delay S waits S seconds before answering each DATA; --reject ADDR
answers 550 to RCPT TO:ADDR; --workers N serves the one port from N
processes (aiosmtpd is single-threaded Python: one process cannot keep up
with the digest benchmark).
"""
import argparse
import asyncio
import ctypes
import signal
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out, fail_first, delay, reject):
        self.out, self.fail_left, self.delay, self.n = out, fail_first, delay, 0
        self.reject = set(reject)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        self.n += 1
        path = os.path.join(self.out, f"{os.getpid()}-{self.n:05d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 accepted"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--fail-first", type=int, default=0)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--reject", action="append", default=[], help="answer 550 to RCPT TO this address")
    p.add_argument("--workers", type=int, default=1)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.workers > 1:
        return serve_forked(a)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = Controller(Sink(a.out, a.fail_first, a.delay, a.reject), hostname="127.0.0.1", port=port,
                   decode_data=False, data_size_limit=0)
    c.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


def serve_forked(a):
    """One listening socket, accepted on by `a.workers` processes."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(128)
    children = []
    for _ in range(a.workers):
        pid = os.fork()
        if pid == 0:
            # Die with the parent, even when it is SIGKILLed (PR_SET_PDEATHSIG).
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)
            loop = asyncio.new_event_loop()
            handler = Sink(a.out, a.fail_first, a.delay, a.reject)
            factory = lambda: SMTP(handler, hostname="127.0.0.1", decode_data=False, data_size_limit=0)
            loop.run_until_complete(loop.create_server(factory, sock=s))
            loop.run_forever()
            os._exit(0)
        children.append(pid)
    print(s.getsockname()[1], flush=True)
    try:
        for pid in children:
            os.waitpid(pid, 0)
    finally:
        for pid in children:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    sys.exit(main())
