"""tunnel_traffic: a little real UDP and TCP through a tunnel, for the capture
scripts.  `serve ADDR` answers one UDP datagram on ADDR:5000 (echo) and one
TCP connection on ADDR:8080 (reads a line, answers it), then exits (or after
10 s).  `client ADDR` sends a datagram and a TCP request to them.  `ping ADDR N
[WAIT]` sends N ICMP echo requests 0.2 s apart and fails unless every one is
answered within WAIT seconds (3; a loaded machine's tests give more) (a raw
socket, so root; iputils ping is not installed everywhere).
`bigserve PORT ADDR...` answers each datagram on ADDR:PORT with "got N"
(N = its size), up to one datagram per address, then exits (or after 10 s);
`big ADDR PORT SIZE` sends one SIZE-byte datagram (larger than the MTU, so
the kernel fragments it) and waits for the answer.
Standard library only."""

import os
import select
import socket
import struct
import sys
import time

UDP_PORT, TCP_PORT = 5000, 8080


def serve(addr):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((addr, UDP_PORT))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((addr, TCP_PORT))
    t.listen(1)
    todo = {u, t}
    deadline = time.time() + 10
    while todo and time.time() < deadline:
        r, _, _ = select.select(list(todo), [], [], 0.5)
        for s in r:
            if s is u:
                data, peer = u.recvfrom(2048)
                u.sendto(b"echo: " + data, peer)
            else:
                c, _ = t.accept()
                c.settimeout(5)
                line = c.recv(1024)
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
                          if line.startswith(b"GET") else b"?\n")
                c.close()
            todo.discard(s)


def client(addr):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    u.sendto(b"hello through the tunnel\n", (addr, UDP_PORT))
    u.recvfrom(2048)
    t = socket.create_connection((addr, TCP_PORT), timeout=3)
    t.sendall(b"GET / HTTP/1.0\r\nHost: " + addr.encode() + b"\r\n\r\n")
    while t.recv(1024):
        pass
    t.close()


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def bigserve(port, addrs):
    socks = []
    for a in addrs:
        s = socket.socket(family(a), socket.SOCK_DGRAM)
        s.bind((a, port))
        socks.append(s)
    todo = set(socks)
    deadline = time.time() + 10
    while todo and time.time() < deadline:
        r, _, _ = select.select(list(todo), [], [], 0.5)
        for s in r:
            data, peer = s.recvfrom(65535)
            s.sendto(b"got %d" % len(data), peer)
            todo.discard(s)


def big(addr, port, size):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(bytes(i & 0xFF for i in range(size)), (addr, port))
    if s.recv(100) != b"got %d" % size:
        sys.exit("big %s: bad answer" % addr)


def icmp_checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s & 0xFFFF) + (s >> 16)
    s += s >> 16
    return ~s & 0xFFFF


def ping(addr, count, wait=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    for seq in range(1, count + 1):
        body = b"funnelscope ping %d" % seq
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        c = icmp_checksum(hdr + body)
        s.sendto(hdr[:2] + struct.pack("!H", c) + hdr[4:] + body, (addr, 0))
        deadline = time.time() + wait
        while True:
            left = deadline - time.time()
            if left <= 0:
                sys.exit("ping %s: no reply to seq %d" % (addr, seq))
            r, _, _ = select.select([s], [], [], left)
            if not r:
                continue
            pkt, _ = s.recvfrom(2048)
            ihl = (pkt[0] & 15) * 4
            t, _, _, i, q = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if t == 0 and i == ident and q == seq:
                break
        if seq < count:
            time.sleep(0.2)


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "serve":
        serve(a[1])
    elif len(a) == 2 and a[0] == "client":
        client(a[1])
    elif len(a) in (3, 4) and a[0] == "ping":
        ping(a[1], int(a[2]), float(a[3]) if len(a) == 4 else 3.0)
    elif len(a) >= 3 and a[0] == "bigserve":
        bigserve(int(a[1]), a[2:])
    elif len(a) == 4 and a[0] == "big":
        big(a[1], int(a[2]), int(a[3]))
    else:
        sys.exit("usage: tunnel_traffic.py serve|client ADDR | ping ADDR N [WAIT]"
                 " | bigserve PORT ADDR... | big ADDR PORT SIZE")
