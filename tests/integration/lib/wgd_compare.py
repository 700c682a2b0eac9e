#!/usr/bin/env python3
"""Compares WireGuard decryption, frame by frame, between tshark and fdecode.

usage: wgd_compare.py TSHARK.tsv FDECODE.jsonl [--min-inner N] [--min-ok N]

TSHARK.tsv: tshark -T fields with, in this order, frame.number, wg.type,
wg.static, wg.handshake_ok, ip.src, ip.dst, ip.proto, tcp.srcport,
tcp.dstport, udp.srcport, udp.dstport (-E occurrence=l would lose empties,
so lists are split here and the innermost value kept).
FDECODE.jsonl: fdecode --json -v with the same keys.

Per frame both must give: the initiator's static key (initiations), the
handshake_ok verdict (responses), and of the innermost IP packet its source,
destination and protocol and its TCP or UDP ports. A datagram fdecode read
as a UDP GSO/GRO batch (several wg events in one frame) that tshark could
not open (it takes the batch for one message) is counted apart, not
compared. Exit 0 on agreement,
1 with the differences listed. --min-inner and --min-ok make sure the
comparison was about something: at least N frames with a decrypted inner
packet, N responses with handshake_ok.
"""
import json
import sys


def last(v):
    return v.split(",")[-1] if v else ""


def tshark_rows(path):
    rows = {}
    with open(path) as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            c += [""] * (11 - len(c))
            num, wtype, static, ok, src, dst, proto, tsp, tdp, usp, udp = c[:11]
            inner = "," in src
            p = last(proto)
            plain_udp = p == "17" and (inner or not wtype)
            row = {
                "static": static if last(wtype) == "1" else "",
                "handshake_ok": last(ok),
                "src": last(src), "dst": last(dst), "proto": last(proto),
                "sport": last(tsp) if p == "6" else last(usp) if plain_udp else "",
                "dport": last(tdp) if p == "6" else last(udp) if plain_udp else "",
                "inner": inner,
            }
            rows[int(num)] = row
    return rows


PROTO = {"tcp": "6", "udp": "17", "wg": "17", "disco": "17", "stun": "17"}
PACKET_TYPES = ("wg", "tcp", "udp", "ip", "frame", "disco", "stun")


wg_msgs = {}  # frame -> fdecode's wg events in it (several: a GSO batch)


def fdecode_rows(path):
    rows = {}
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            # packet-level events only (stream events repeat a packet's
            # addresses and carry no protocol of their own)
            if "frame" not in e or e.get("type") not in PACKET_TYPES:
                continue
            n = e["frame"]
            inner = "tunnel" in e
            if e.get("type") == "wg" and not inner:
                wg_msgs[n] = wg_msgs.get(n, 0) + 1
            if n in rows and not inner:
                continue
            proto = str(e["proto"]) if e.get("type") == "ip" else PROTO.get(e["type"], "")
            ports = e.get("type") in ("tcp",) or (inner and e.get("type") == "udp")
            row = rows.get(n, {"static": "", "handshake_ok": ""})
            if e.get("type") == "wg":
                if e.get("msg") == "initiation":
                    row["static"] = e.get("static", "")
                if "handshake_ok" in e:
                    row["handshake_ok"] = "1" if e["handshake_ok"] else "0"
            row.update({
                "src": e.get("src", ""), "dst": e.get("dst", ""), "proto": proto,
                "sport": str(e.get("sport", "")) if ports else "",
                "dport": str(e.get("dport", "")) if ports else "",
                "inner": inner,
            })
            rows[n] = row
    return rows


def main():
    args = sys.argv[1:]
    min_inner = min_ok = 0
    if "--min-inner" in args:
        i = args.index("--min-inner")
        min_inner = int(args[i + 1])
        del args[i:i + 2]
    if "--min-ok" in args:
        i = args.index("--min-ok")
        min_ok = int(args[i + 1])
        del args[i:i + 2]
    t, d = tshark_rows(args[0]), fdecode_rows(args[1])
    bad = batches = 0
    keys = ("static", "handshake_ok", "src", "dst", "proto", "sport", "dport", "inner")
    for n in sorted(set(t) | set(d)):
        a, b = t.get(n), d.get(n)
        if a is not None and not a["inner"] and wg_msgs.get(n, 0) > 1:
            batches += 1
            continue
        if a is None or b is None:
            print(f"frame {n}: only in {'fdecode' if a is None else 'tshark'}")
            bad += 1
            continue
        diff = [k for k in keys if a.get(k, "") != b.get(k, "")]
        if diff:
            bad += 1
            for k in diff:
                print(f"frame {n}: {k}: tshark {a.get(k)!r} fdecode {b.get(k)!r}")
    inner = sum(1 for r in d.values() if r["inner"])
    oks = sum(1 for r in d.values() if r["handshake_ok"] == "1")
    if inner < min_inner:
        print(f"only {inner} frames with a decrypted inner packet (want {min_inner})")
        bad += 1
    if oks < min_ok:
        print(f"only {oks} responses with handshake_ok (want {min_ok})")
        bad += 1
    print(f"wgd_compare: {len(t)} frames, {inner} decrypted inner packets, "
          f"{oks} handshakes ok, {batches} GSO batches only fdecode opened, "
          f"{bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
