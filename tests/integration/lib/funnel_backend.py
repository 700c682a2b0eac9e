"""funnel_backend.py: the backend behind fnode in the funnel tests and lab.

usage: funnel_backend.py PORT [LOGFILE]

HTTP/1.1 keep-alive server on 127.0.0.1:PORT (threads). Each request is
appended to LOGFILE as one JSON line {method, target, headers: [[k, v]...]}
so the tests can see what reached the backend, byte for byte.
  /echo            200, JSON of the request (method, target, headers)
  /big?n=N         N bytes of a fixed pattern (Content-Length)
  /chunked?n=N     the same, chunked in 4 KiB chunks
  /upload          (POST/PUT) sha256 of the body, Content-Length or chunked
  /etag            ETag "v1"; If-None-Match "v1" gets 304
  /sse?n=N&ms=M    text/event-stream, N events M ms apart, each flushed
  /ws?...          WebSocket echo; the first message back is the target
  /slow-head?ms=M  the response head after M ms
anything else: 404.
"""

import base64
import hashlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOG = None
LOCK = threading.Lock()
PATTERN = bytes(range(256)) * 64


def pattern(n):
    out = bytearray()
    while len(out) < n:
        out += PATTERN[: n - len(out)]
    return bytes(out)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self):
        if LOG:
            with LOCK, open(LOG, "a") as f:
                f.write(json.dumps({"method": self.command, "target": self.path,
                                    "headers": [[k, v] for k, v in self.headers.items()]}) + "\n")

    def body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            data = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(n) if n else b""

    def send(self, code, body, ctype="application/octet-stream", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(body)

    def handle_any(self):
        self.record()
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        body = self.body() if self.command in ("POST", "PUT") else b""
        if u.path == "/echo":
            self.send(200, json.dumps({"method": self.command, "target": self.path,
                                       "headers": [[k, v] for k, v in self.headers.items()]}).encode(),
                      "application/json")
        elif u.path == "/big":
            n = int(q.get("n", "1000"))
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command != "HEAD":
                block = pattern(65536)
                left = n
                while left > 0:
                    self.wfile.write(block[:min(left, 65536)])
                    left -= min(left, 65536)
        elif u.path == "/chunked":
            n = int(q.get("n", "10000"))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            data = pattern(n)
            for i in range(0, n, 4096):
                c = data[i:i + 4096]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.write(b"0\r\n\r\n")
        elif u.path == "/upload":
            self.send(200, hashlib.sha256(body).hexdigest().encode(), "text/plain")
        elif u.path == "/etag":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send(304, b"", extra=[("ETag", '"v1"')])
            else:
                self.send(200, b"etag body\n", "text/plain", [("ETag", '"v1"')])
        elif u.path == "/sse":
            n, ms = int(q.get("n", "5")), int(q.get("ms", "200"))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(n):
                ev = b"data: %d %.6f\n\n" % (i, time.time())
                self.wfile.write(b"%x\r\n%s\r\n" % (len(ev), ev))
                self.wfile.flush()
                time.sleep(ms / 1000.0)
            self.wfile.write(b"0\r\n\r\n")
        elif u.path == "/ws":
            self.websocket()
        elif u.path == "/slow-head":
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            self.send(200, b"slow\n", "text/plain")
        else:
            self.send(404, b"not found\n", "text/plain")

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        acc = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", acc.decode())
        self.end_headers()
        self.wfile.flush()
        self.ws_send(self.path.encode())
        while True:
            msg = self.ws_recv()
            if msg is None:
                break
            self.ws_send(msg)
        self.close_connection = True

    def ws_send(self, data):
        n = len(data)
        hdr = bytes([0x81, n]) if n < 126 else bytes([0x81, 126, n >> 8, n & 255])
        self.wfile.write(hdr + data)
        self.wfile.flush()

    def ws_recv(self):
        h = self.rfile.read(2)
        if len(h) < 2 or (h[0] & 0x0F) == 8:
            return None
        n = h[1] & 0x7F
        if n == 126:
            n = int.from_bytes(self.rfile.read(2), "big")
        mask = self.rfile.read(4) if h[1] & 0x80 else b"\0\0\0\0"
        data = self.rfile.read(n)
        return bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


def main():
    global LOG
    port = int(sys.argv[1])
    LOG = sys.argv[2] if len(sys.argv) > 2 else None
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("127.0.0.1", port), H)
    srv.serve_forever()


if __name__ == "__main__":
    main()
