"""stream_traffic.py: the servers and clients behind make_stream_traffic.sh.
Real programs on a namespace's loopback make the traffic; this file holds the
parts that are easier in Python than in shell (a keep-alive HTTP/1.1 server,
the curl command lines with many headers, the simulated ingress) and writes
what the test sent, so that streams_tshark.sh can check the fields tshark
cannot see (client, claimed, hops, ingress).

usage:
  stream_traffic.py http-server ADDR PORT
      HTTP/1.1 keep-alive server (dual-stack when ADDR is ::).  The status
      comes from the query (?status=404); 301/302 carry a Location, 204/304
      no body; /chunked answers with a chunked body and a trailer; POST and
      PUT bodies are read by Content-Length or chunked framing; Expect:
      100-continue gets an interim 100.  Runs until killed.
  stream_traffic.py http-clients SET BASE4 BASE6 EXPECT
      Runs the curl connections of SET (full | small) against BASE4
      (http://127.0.0.1:2367) and BASE6 (http://[::1]:2367 or "-" for
      none) and appends one JSON line per request to EXPECT.
  stream_traffic.py ingress-server ADDR PORT CERT KEY
      Simulated node PeerAPI: POST /v0/ingress with Tailscale-Ingress-Src
      and -Target; a known target gets exactly "HTTP/1.1 101 Switching
      Protocols\\r\\n\\r\\n" and the same socket becomes a TLS server; an
      unknown one gets 403.  Runs until killed.
  stream_traffic.py ingress-clients ADDR PORT EXPECT
      The ingress side: each case POSTs, reads the answer and, after a 101,
      does a real TLS handshake on the same socket.  Appends the cases to
      EXPECT.

EXPECT lines (JSON, one object a line) have a "kind":
  http_request  method, uri (unique in the capture), conn (connection label),
                request (intended 1-based index on that connection),
                accept (list of acceptable {client, client_rule, claimed}
                triples, claimed null = must be absent; null = unchecked),
                hops (list of {class: [acceptable], addr?, v4?} or null),
                funnel (bool)
  ingress       ingress_src, ingress_target, status, sni, client, sport
  body_lookalike
                uri: a request line inside a request body (the POST bodies
                look like requests on purpose); tshark, with body
                reassembly off, takes the one that travels alone in a
                segment (after Expect: 100-continue) for a request:
                ignored on its side, and fdecode must not report it
  hidden_client_hello
                sport, sni, alpn: a ClientHello inside a stream that tshark
                does not decode as TLS (after the ingress 101)
Standard library only."""

import json
import os
import socket
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REASONS = {200: "OK", 201: "Created", 204: "No Content",
           301: "Moved Permanently", 302: "Found", 304: "Not Modified",
           403: "Forbidden", 404: "Not Found", 418: "I'm a teapot",
           500: "Internal Server Error", 503: "Service Unavailable"}


# --------------------------------------------------------------------------
# HTTP server


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fsc-test/1"
    sys_version = ""

    def log_message(self, *args):
        pass

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            n = 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    break
                n += len(self.rfile.read(size))
                self.rfile.readline(16)
            while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass		# trailers
            return n
        cl = int(self.headers.get("Content-Length") or 0)
        return len(self.rfile.read(cl)) if cl else 0

    def answer(self, head_only=False, got=None):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        status = int(q.get("status", ["200"])[0])
        if u.path == "/chunked" and status == 200:
            self.send_response(200, REASONS[200])
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Checksum")
            self.end_headers()
            if not head_only:
                for part in (b"first chunk\n", b"second;chunk\n", b"x" * 300):
                    self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\nX-Checksum: 42\r\n\r\n")
            return
        body = b""
        if status not in (204, 304):
            body = b"%d %s for %s\n" % (status,
                                         REASONS.get(status, "?").encode(),
                                         u.path.encode())
            if got is not None:
                body += b"got %d bytes\n" % got
        self.send_response(status, REASONS.get(status, "Status"))
        if status in (301, 302):
            self.send_header("Location", "/moved" + u.path)
        if status not in (204, 304):
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only and body:
            self.wfile.write(body)

    def do_GET(self):
        self.answer()

    def do_HEAD(self):
        self.answer(head_only=True)

    def do_POST(self):
        self.answer(got=self.read_body())

    do_PUT = do_POST


class Server6(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class Server4(ThreadingHTTPServer):
    daemon_threads = True


def http_server(addr, port):
    cls = Server6 if ":" in addr else Server4
    cls.allow_reuse_address = True
    cls((addr, int(port)), Handler).serve_forever()


# --------------------------------------------------------------------------
# HTTP clients: curl, one command line a connection (--next keeps it open)

GOOGLEBOT = ("Mozilla/5.0 (compatible; Googlebot/2.1; "
             "+http://www.google.com/bot.html)")
ULA4TO6 = "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b"


def acc(client, rule, claimed=None):
    return {"client": client, "client_rule": rule, "claimed": claimed}


def hop(cls, addr=None, v4=None):
    h = {"class": cls if isinstance(cls, list) else [cls]}
    if addr:
        h["addr"] = addr
    if v4:
        h["v4"] = v4
    return h


def R(uri, headers=(), accept=None, hops=None, method="GET", data=None,
      extra=()):
    """One request: its URI, header lines, what fdecode must conclude."""
    return {"uri": uri, "headers": list(headers), "accept": accept,
            "hops": hops, "method": method, "data": data,
            "extra": list(extra)}


def full_set(peer4, peer6):
    """The connections of http-xff.pcap: (label, base, [requests])."""
    xff = "X-Forwarded-For: "
    fwd = "Forwarded: "
    funnel = "Tailscale-Funnel-Request: ?1"
    a = [
        R("/xff/single", [xff + "66.249.72.211", funnel,
                          "User-Agent: " + GOOGLEBOT],
          [acc("66.249.72.211", "xff-single")],
          [hop("public", "66.249.72.211")]),
        R("/xff/chain4to6", [xff + "66.249.72.211, " + ULA4TO6, funnel],
          [acc("66.249.72.211", "xff-chain")],
          [hop("public", "66.249.72.211"),
           hop("4to6", ULA4TO6, "100.104.208.43")]),
        R("/xff/v4port?status=404", [xff + "66.249.72.211:51234"],
          [acc("66.249.72.211", "xff-single")], [hop("public")]),
        R("/xff/v6port?status=301", [xff + "[2001:db8::1]:443"],
          [acc("2001:db8::1", "xff-single")], [hop("documentation")]),
        R("/xff/v6bare", [xff + "2001:db8::1"],
          [acc("2001:db8::1", "xff-single")],
          [hop("documentation", "2001:db8::1")], method="HEAD"),
        R("/xff/mapped", [xff + "::ffff:192.0.2.1"],
          [acc("::ffff:192.0.2.1", "xff-single"),
           acc("192.0.2.1", "xff-single")], None),
    ]
    b = [
        R("/xff/zone", [xff + "fe80::1%eth0"],
          [acc("fe80::1", "xff-single"), acc("fe80::1%eth0", "xff-single")],
          [hop("link-local")]),
        R("/xff/unknown?status=418", [xff + "unknown"],
          [acc(peer6, "tcp-peer")], [hop("unknown")]),
        # Two header lines: one list, in order.  The rightmost untrusted
        # hop depends on --trusted-hops' default; either answer is fine as
        # long as claimed is the leftmost exactly when it differs.
        R("/xff/lines", [xff + "203.0.113.9", xff + "66.249.72.211"],
          [acc("66.249.72.211", "xff-chain", "203.0.113.9"),
           acc("203.0.113.9", "xff-chain")],
          [hop("documentation", "203.0.113.9"),
           hop("public", "66.249.72.211")]),
        R("/xff/classes", [xff + "198.51.100.1, 10.0.0.1",
                           xff + "100.64.0.7, fd7a:115c:a1e0::1234",
                           xff + "127.0.0.1"],
          None,
          [hop("documentation", "198.51.100.1"), hop("private", "10.0.0.1"),
           hop("cgnat", "100.64.0.7"),
           hop("tailscale-ula", "fd7a:115c:a1e0::1234"),
           hop("loopback", "127.0.0.1")]),
        R("/xff/mixed", [xff + "66.249.72.211",
                         fwd + "for=192.0.2.60;proto=https",
                         "X-Real-IP: 198.51.100.7"],
          [acc("66.249.72.211", "xff-single")], None),
        R("/xff/malformed?status=500", [xff + "66.249.72.211, bogus!"],
          None, [hop("public"), hop("malformed")]),
    ]
    c = [
        R("/fwd/basic", [fwd + "for=192.0.2.60;proto=http;by=203.0.113.43"],
          [acc("192.0.2.60", "forwarded")],
          [hop("documentation", "192.0.2.60")]),
        R("/fwd/v6", [fwd + 'for="[2001:db8:cafe::17]:4711"'],
          [acc("2001:db8:cafe::17", "forwarded")],
          [hop("documentation")]),
        R("/fwd/unknown", [fwd + "for=unknown"],
          [acc(peer4, "tcp-peer")], [hop("unknown")]),
        R("/fwd/hidden", [fwd + "for=_hidden"],
          [acc(peer4, "tcp-peer")], [hop("obfuscated")]),
        R("/fwd/several", [fwd + "for=192.0.2.43, for=198.51.100.17;"
                           "by=203.0.113.60;proto=https;host=example.com"],
          [acc("192.0.2.43", "forwarded")],
          [hop("documentation", "192.0.2.43"),
           hop("documentation", "198.51.100.17")]),
        R("/fwd/lines", [fwd + "for=192.0.2.43", fwd + 'for="[2001:db8::7]"'],
          [acc("192.0.2.43", "forwarded")],
          [hop("documentation", "192.0.2.43"),
           hop("documentation", "2001:db8::7")]),
        R("/realip", ["X-Real-IP: 198.51.100.7",
                      "X-Forwarded-Host: node.example.ts.net",
                      "X-Forwarded-Proto: https"],
          [acc("198.51.100.7", "x-real-ip")], None),
        R("/fwd/unknown-realip", [fwd + "for=unknown",
                                  "X-Real-IP: 198.51.100.8"],
          [acc("198.51.100.8", "x-real-ip")], None),
        R("/plain?status=503", [], [acc(peer4, "tcp-peer")], []),
    ]
    d = [
        R("/post/length", [xff + "66.249.72.211"],
          [acc("66.249.72.211", "xff-single")], None, "POST",
          data="body-cl.txt"),
        R("/post/chunked", [xff + "66.249.72.211",
                            "Transfer-Encoding: chunked"],
          [acc("66.249.72.211", "xff-single")], None, "POST",
          data="body-chunked.txt"),
        R("/post/expect?status=201", [xff + "66.249.72.211",
                                      "Expect: 100-continue"],
          [acc("66.249.72.211", "xff-single")], None, "POST",
          data="body-cl.txt"),
        R("/chunked", [xff + "66.249.72.211"],
          [acc("66.249.72.211", "xff-single")], None),
        R("/nocontent?status=204", [], [acc(peer4, "tcp-peer")], []),
        R("/notmodified?status=304", ["If-None-Match: \"x\""],
          [acc(peer4, "tcp-peer")], []),
        R("/after-bodies", [xff + "66.249.72.211"],
          [acc("66.249.72.211", "xff-single")], None),
    ]
    e = [
        R("/host-override", ["Host: node.example.ts.net", funnel,
                             xff + "66.249.72.211"],
          [acc("66.249.72.211", "xff-single")], None),
    ]
    f = [
        R("/http10", [xff + "66.249.72.211"],
          [acc("66.249.72.211", "xff-single")], None, extra=["--http1.0"]),
    ]
    return [("A", "4", a), ("B", "6", b), ("C", "4", c), ("D", "4", d),
            ("E", "4", e), ("F", "4", f)]


def small_set(peer4, peer6):
    """Heads that span many segments when the loopback MTU is 300."""
    xff = "X-Forwarded-For: "
    long_ua = "User-Agent: " + GOOGLEBOT + " " + "x" * 600
    chain = ", ".join("198.51.100.%d" % i for i in range(1, 40))
    g = [
        R("/mtu/single", [xff + "66.249.72.211", long_ua,
                          "Tailscale-Funnel-Request: ?1"],
          [acc("66.249.72.211", "xff-single")],
          [hop("public", "66.249.72.211")]),
        R("/mtu/chain4to6", [xff + "66.249.72.211, " + ULA4TO6,
                             "Cookie: " + "c" * 700],
          [acc("66.249.72.211", "xff-chain")],
          [hop("public", "66.249.72.211"),
           hop("4to6", ULA4TO6, "100.104.208.43")]),
        R("/mtu/longchain?status=404", [xff + chain, xff + "66.249.72.211"],
          None, None),
        R("/mtu/post-chunked", [xff + "66.249.72.211",
                                "Transfer-Encoding: chunked"],
          [acc("66.249.72.211", "xff-single")], None, "POST",
          data="body-chunked.txt"),
        R("/mtu/forwarded?status=301",
          ["Forwarded: " + ", ".join("for=192.0.2.%d" % i
                                     for i in range(1, 30))],
          [acc("192.0.2.1", "forwarded")], None),
        R("/chunked", [long_ua], [acc(peer4, "tcp-peer")], []),
    ]
    return [("G", "4", g)]


def write_bodies(d):
    # Both look like requests on purpose: a decoder that does not skip a
    # body by its framing would report them.  (After Expect: 100-continue
    # the Content-Length body travels alone, in its own segment.)
    with open(os.path.join(d, "body-cl.txt"), "wb") as f:
        f.write(b"GET /not-a-request-cl HTTP/1.1\r\nHost: evil\r\n\r\n")
        f.write(b"".join(b"line %03d of a form body\n" % i
                         for i in range(30)))
    with open(os.path.join(d, "body-chunked.txt"), "wb") as f:
        f.write(b"GET /not-a-request HTTP/1.1\r\nHost: evil\r\n\r\n" * 20)


def http_clients(which, base4, base6, expect):
    peer4, peer6 = "127.0.0.1", "::1"
    conns = (full_set if which == "full" else small_set)(peer4, peer6)
    d = tempfile.mkdtemp(prefix="stream_traffic.")
    write_bodies(d)
    out = open(expect, "a")
    for uri in ("/not-a-request", "/not-a-request-cl"):
        out.write(json.dumps({"kind": "body_lookalike", "uri": uri}) + "\n")
    for label, fam, reqs in conns:
        base = base4 if fam == "4" else base6
        if base == "-":
            continue
        argv = ["curl"]
        for i, r in enumerate(reqs, 1):
            if i > 1:
                argv.append("--next")
            argv += ["-sS", "-o", "/dev/null", "--http1.1",
                     "--max-time", "5"] + r["extra"]
            if r["method"] == "HEAD":
                argv.append("-I")
            elif r["method"] != "GET" and not r["data"]:
                argv += ["-X", r["method"]]
            if r["data"]:
                argv += ["--data-binary", "@" + os.path.join(d, r["data"]),
                         "-H", "Content-Type: text/plain"]
            for h in r["headers"]:
                argv += ["-H", h]
            if not any(h.startswith("User-Agent:") for h in r["headers"]):
                argv += ["-A", "curl-fsc-test/1 (conn %s)" % label]
            argv.append(base + r["uri"])
            rec = {"kind": "http_request", "method": r["method"],
                   "uri": r["uri"], "conn": label, "request": i,
                   "accept": r["accept"], "hops": r["hops"],
                   "funnel": "Tailscale-Funnel-Request: ?1" in r["headers"]}
            out.write(json.dumps(rec) + "\n")
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        if p.returncode != 0:
            sys.exit("stream_traffic: curl (connection %s) exited %d: %s" %
                     (label, p.returncode, p.stderr.decode()[-500:]))
    out.close()
    shutil.rmtree(d)


# --------------------------------------------------------------------------
# The simulated ingress (protocols.md §7)

KNOWN_TARGETS = ("node.example.ts.net:443", "other.example.ts.net:443")


def read_head(sock):
    # One byte at a time: nothing after the head may be consumed, the TLS
    # bytes that follow belong to the TLS layer.
    buf = b""
    while not buf.endswith(b"\r\n\r\n"):
        c = sock.recv(1)
        if not c:
            break
        buf += c
        if len(buf) > 16384:
            break
    return buf


def ingress_conn(conn, ctx):
    try:
        conn.settimeout(5)
        head = read_head(conn).decode("latin-1")
        lines = head.split("\r\n")
        hdrs = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        target = hdrs.get("tailscale-ingress-target", "")
        if not lines[0].startswith("POST /v0/ingress ") or \
                target not in KNOWN_TARGETS:
            body = b"unknown ingress target\n"
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain"
                         b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                         % len(body) + body)
            return
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
        tls = ctx.wrap_socket(conn, server_side=True)
        req = read_head(tls)
        body = b"hello from the node, you asked " + req.split(b"\r\n")[0]
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                    b"Connection: close\r\n\r\n" % len(body) + body)
        try:
            tls.unwrap()
        except (OSError, ssl.SSLError):
            pass
    except (OSError, ssl.SSLError) as e:
        print("ingress-server: %s" % e, file=sys.stderr)
    finally:
        conn.close()


def ingress_server(addr, port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(8)
    while True:
        c, _ = s.accept()
        threading.Thread(target=ingress_conn, args=(c, ctx),
                         daemon=True).start()


INGRESS_CASES = [
    # (Tailscale-Ingress-Src, -Target, SNI the client then sends, answer)
    ("66.249.72.211:51234", "node.example.ts.net:443",
     "node.example.ts.net", 101),
    ("[2001:db8::7]:40000", "other.example.ts.net:443",
     "other.example.ts.net", 101),
    ("203.0.113.50:1234", "node.example.ts.net:443", None, 101),
    ("66.249.72.212:40001", "unknown.example.ts.net:443", None, 403),
]


def ingress_clients(addr, port, expect):
    out = open(expect, "a")
    for src, target, sni, want in INGRESS_CASES:
        s = socket.create_connection((addr, int(port)), timeout=5)
        sport = s.getsockname()[1]
        s.sendall(("POST /v0/ingress HTTP/1.1\r\n"
                   "Host: 100.64.0.2:46187\r\n"
                   "User-Agent: Go-http-client/1.1\r\n"
                   "Content-Length: 0\r\n"
                   "Tailscale-Ingress-Src: %s\r\n"
                   "Tailscale-Ingress-Target: %s\r\n"
                   "Accept-Encoding: gzip\r\n\r\n" % (src, target)).encode())
        head = read_head(s)
        status = int(head.split(b" ", 2)[1])
        if status != want:
            sys.exit("ingress-clients: %s: answer %d, wanted %d" %
                     (src, status, want))
        alpn = ["h2", "http/1.1"]
        if status == 101:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            ctx.set_alpn_protocols(alpn)
            tls = ctx.wrap_socket(s, server_hostname=sni)
            tls.sendall(b"GET /inside HTTP/1.1\r\nHost: %s\r\n\r\n" %
                        (sni or "node").encode())
            while tls.recv(4096):
                pass
            tls.close()
            out.write(json.dumps({"kind": "hidden_client_hello",
                                  "sport": sport, "sni": sni,
                                  "alpn": alpn}) + "\n")
        else:
            while s.recv(4096):
                pass
            s.close()
        host = src.rsplit(":", 1)[0].strip("[]")
        out.write(json.dumps({"kind": "ingress", "sport": sport,
                              "ingress_src": src, "ingress_target": target,
                              "status": status,
                              "sni": sni if status == 101 else None,
                              "client": host}) + "\n")
        out.write(json.dumps({"kind": "http_request", "method": "POST",
                              "uri": "/v0/ingress", "sport": sport,
                              "conn": "ingress-%d" % sport, "request": 1,
                              "accept": [acc(host, "ingress-src")],
                              "hops": None, "funnel": False}) + "\n")
    out.close()


def main():
    a = sys.argv[1:]
    cmds = {"http-server": (http_server, 2),
            "http-clients": (http_clients, 4),
            "ingress-server": (ingress_server, 4),
            "ingress-clients": (ingress_clients, 3)}
    if not a or a[0] not in cmds or len(a) - 1 != cmds[a[0]][1]:
        sys.exit(__doc__.split("\n\n")[1])
    cmds[a[0]][0](*a[1:])


if __name__ == "__main__":
    main()
