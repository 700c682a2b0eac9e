"""funnel_client.py: the clients of the funnel tests that curl cannot be.

usage: funnel_client.py CMD HOST PORT [args]   (HOST: the SNI; TCP to 127.0.0.1)
  sse CAFILE PATH          prints one line a Server-Sent Event: "<i> <delay s>"
                           (arrival minus the backend's send time)
  ws CAFILE PATH MSG       WebSocket over TLS: prints the first message (the
                           target the backend saw), then MSG echoed
  raw CAFILE HEXBYTES      sends the bytes over TLS, prints the answer (repr)
                           until the server closes or 5 s pass
  slow-head CAFILE         sends a partial request head, waits; prints the
                           answer and the seconds until the close
  slow-hello               (plain TCP) 3 bytes of a TLS record, then waits;
                           prints the seconds until the edge closes
  proxy-get CAFILE HEADER PATH
                           sends HEADER (a PROXY v1 line, "\\r\\n" escapes
                           allowed) in the clear, then TLS and GET PATH; prints
                           the answer's body (or the error)
  ingress-tls CAFILE TARGET SNI PATH
                           ingress straight to the PeerAPI at 127.0.0.1:PORT,
                           then TLS with SNI and GET PATH; prints the status
  ingress SRC TARGET [FROM_ADDR]
                           POST /v0/ingress straight to a PeerAPI at
                           127.0.0.1:PORT (HOST = the Host header); prints
                           the answer bytes (repr) as they came
"""

import socket
import ssl
import sys
import time


def tls(host, port, ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.set_alpn_protocols(["http/1.1"])
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(s, server_hostname=host)


def read_all(s, limit=5.0):
    s.settimeout(limit)
    out = b""
    t0 = time.time()
    try:
        while time.time() - t0 < limit:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ssl.SSLError, ConnectionError):
        pass
    return out


def sse(host, port, ca, path):
    s = tls(host, port, ca)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n" % (path.encode(), host.encode()))
    buf = b""
    s.settimeout(15)
    while True:
        b = s.recv(65536)
        if not b:
            break
        now = time.time()
        buf += b
        while b"\n\n" in buf:
            ev, buf = buf.split(b"\n\n", 1)
            for line in ev.split(b"\n"):
                if line.startswith(b"data: "):
                    i, ts = line[6:].split()
                    print(i.decode(), "%.4f" % (now - float(ts)), flush=True)
        if b"0\r\n\r\n" in buf:
            break


def ws(host, port, ca, path, msg):
    s = tls(host, port, ca)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
              % (path.encode(), host.encode()))
    f = s.makefile("rb")
    status = f.readline()
    if b" 101 " not in status:
        print("no upgrade:", status)
        sys.exit(1)
    while f.readline() not in (b"\r\n", b""):
        pass

    def recv():
        h = f.read(2)
        n = h[1] & 0x7F
        if n == 126:
            n = int.from_bytes(f.read(2), "big")
        return f.read(n).decode()

    print(recv())
    data = msg.encode()
    mask = b"\x01\x02\x03\x04"
    s.sendall(bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
    print(recv())
    s.sendall(bytes([0x88, 0x80]) + mask)


def raw(host, port, ca, hexbytes):
    s = tls(host, port, ca)
    s.sendall(bytes.fromhex(hexbytes))
    print(repr(read_all(s)))


def slow_head(host, port, ca):
    s = tls(host, port, ca)
    s.sendall(b"GET /echo HTTP/1.1\r\nHost: " + host.encode() + b"\r\nX-Slow: ")
    t0 = time.time()
    out = read_all(s, 30)
    print(repr(out[:60]), "%.2f" % (time.time() - t0))


def slow_hello(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"\x16\x03\x01")
    t0 = time.time()
    out = read_all(s, 30)
    print(repr(out), "%.2f" % (time.time() - t0))


def ingress(host, port, src, target, frm=None):
    s = socket.socket()
    if frm:
        s.bind((frm, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    req = "POST /v0/ingress HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n" % host
    if src != "-":
        req += "Tailscale-Ingress-Src: %s\r\n" % src
    if target != "-":
        req += "Tailscale-Ingress-Target: %s\r\n" % target
    s.sendall((req + "\r\n").encode())
    out = b""
    try:
        while True:
            b = s.recv(4096)
            if not b:
                break
            out += b
            if out.startswith(b"HTTP/1.1 101") and out.endswith(b"\r\n\r\n"):
                break
    except socket.timeout:
        pass
    print(repr(out))


def proxy_get(host, port, ca, header, path):
    ctx = ssl.create_default_context(cafile=ca)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(header.encode().decode("unicode_escape").encode("latin-1"))
    try:
        t = ctx.wrap_socket(s, server_hostname=host)
        t.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path.encode(), host.encode()))
        out = read_all(t)
        print(out.split(b"\r\n\r\n", 1)[-1].decode(errors="replace"))
    except (ssl.SSLError, ConnectionError, socket.timeout) as e:
        print("error:", e)


def ingress_tls(peer_port, ca, target, sni, path):
    s = socket.create_connection(("127.0.0.1", peer_port), timeout=10)
    s.sendall(("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\nContent-Length: 0\r\n"
               "Tailscale-Ingress-Src: 192.0.2.44:40404\r\nTailscale-Ingress-Target: %s\r\n\r\n" % target).encode())
    ans = b""
    while not ans.endswith(b"\r\n\r\n"):
        b = s.recv(1)
        if not b:
            break
        ans += b
    if not ans.startswith(b"HTTP/1.1 101"):
        print("no 101:", ans)
        return
    ctx = ssl.create_default_context(cafile=ca)
    t = ctx.wrap_socket(s, server_hostname=sni)
    t.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path.encode(), sni.encode()))
    print(read_all(t).split(b"\r\n")[0].decode())


def main():
    cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    a = sys.argv[4:]
    if cmd == "sse":
        sse(host, port, a[0], a[1])
    elif cmd == "ws":
        ws(host, port, a[0], a[1], a[2])
    elif cmd == "raw":
        raw(host, port, a[0], a[1])
    elif cmd == "slow-head":
        slow_head(host, port, a[0])
    elif cmd == "slow-hello":
        slow_hello(port)
    elif cmd == "proxy-get":
        proxy_get(host, port, a[0], a[1], a[2])
    elif cmd == "ingress-tls":
        ingress_tls(port, a[0], a[1], host, a[2])
    elif cmd == "ingress":
        ingress(host, port, a[0], a[1], a[2] if len(a) > 2 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
