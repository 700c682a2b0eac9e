"""proxy_backend.py: a TCP backend that expects a PROXY v2 header.

usage: proxy_backend.py PORT
Each connection: reads the PROXY v2 header (TCP4/TCP6), then one line, and
answers "src=<ip>:<port> dst=<ip>:<port> line=<line>\\n" (or "bad header").
"""
import ipaddress
import socket
import sys
import threading

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def serve(c):
    f = c.makefile("rb")
    h = f.read(16)
    if len(h) < 16 or h[:12] != SIG or h[12] != 0x21:
        c.sendall(b"bad header %r\n" % h)
        c.close()
        return
    body = f.read(int.from_bytes(h[14:16], "big"))
    n = 4 if h[13] == 0x11 else 16
    src = ipaddress.ip_address(body[:n])
    dst = ipaddress.ip_address(body[n:2 * n])
    sp = int.from_bytes(body[2 * n:2 * n + 2], "big")
    dp = int.from_bytes(body[2 * n + 2:2 * n + 4], "big")
    line = f.readline().strip()
    c.sendall(b"src=%s:%d dst=%s:%d line=%s\n" % (str(src).encode(), sp, str(dst).encode(), dp, line))
    c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
