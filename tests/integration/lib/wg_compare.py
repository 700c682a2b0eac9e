"""wg_compare.py: packet-by-packet agreement between tshark's WireGuard
dissector and `fdecode --json` on the same capture.

usage: wg_compare.py [--require MSG,...] TSHARK_CSV FDECODE_JSONL

TSHARK_CSV: output of
  tshark -r F -d udp.port==P,wg ... -Y 'wg && !icmp && !icmpv6' -T fields \
    -E separator=, -e frame.number -e wg.type -e wg.sender -e wg.receiver \
    -e wg.counter -e udp.length
FDECODE_JSONL: fdecode --json output, one JSON object a line; the lines with
"type": "wg" carry frame, msg, sender, receiver, counter, len (see
/work/shared/docs/design.md, JSON lines contract).

Both sides become {frame: {msg, sender, receiver, counter, len}} with absent
fields left out; every frame on either side must be on the other with equal
fields.  tshark's wg.type 4 is "keepalive" when the UDP payload is 32 bytes
(a transport message with an empty plaintext), else "transport".  Exit 0 on
full agreement, 1 with a diff otherwise, 2 on unusable input.  With
--require, tshark must also have seen at least one packet of each listed
kind (so that a capture without WireGuard cannot pass as agreement).
"""

import json
import sys

MSG = {1: "initiation", 2: "response", 3: "cookie", 4: "transport"}
FIELDS = ("msg", "sender", "receiver", "counter", "len")


def from_tshark(path):
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            cols = line.split(",")
            if len(cols) != 6:
                sys.exit("wg_compare: %s:%d: expected 6 columns: %r" %
                         (path, n, line))
            frame, typ, sender, receiver, counter, udplen = cols
            if not typ:
                continue
            rec = {"msg": MSG.get(int(typ), "type%s" % typ),
                   "len": int(udplen) - 8}
            if rec["msg"] == "transport" and rec["len"] == 32:
                rec["msg"] = "keepalive"
            # tshark prints indices as 0x..., counters in decimal.
            if sender:
                rec["sender"] = int(sender, 16)
            if receiver:
                rec["receiver"] = int(receiver, 16)
            if counter:
                rec["counter"] = int(counter, 0)
            out[int(frame)] = rec
    return out


def from_fdecode(path):
    out = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except ValueError as e:
                sys.exit("wg_compare: %s:%d: not JSON (%s): %r" %
                         (path, n, e, line[:200]))
            if not isinstance(obj, dict):
                sys.exit("wg_compare: %s:%d: not a JSON object" % (path, n))
            if obj.get("type") != "wg":
                continue
            frame = obj.get("frame")
            if not isinstance(frame, int) or frame < 1:
                sys.exit("wg_compare: %s:%d: wg line without a frame "
                         "number: %r" % (path, n, line[:200]))
            if frame in out:
                sys.exit("wg_compare: %s:%d: frame %d reported twice" %
                         (path, n, frame))
            out[frame] = {k: obj[k] for k in FIELDS
                          if k in obj and obj[k] is not None}
    return out


def fmt(rec):
    if rec is None:
        return "(absent)"
    return " ".join("%s=%s" % (k, rec[k]) for k in FIELDS if k in rec)


def main():
    args = sys.argv[1:]
    require = []
    if len(args) == 4 and args[0] == "--require":
        require = args[1].split(",")
        args = args[2:]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    ts = from_tshark(args[0])
    fd = from_fdecode(args[1])
    bad = 0
    for frame in sorted(set(ts) | set(fd)):
        a, b = ts.get(frame), fd.get(frame)
        if a != b:
            bad += 1
            print("frame %d:\n  tshark:  %s\n  fdecode: %s" %
                  (frame, fmt(a), fmt(b)))
    kinds = {}
    for rec in ts.values():
        kinds[rec["msg"]] = kinds.get(rec["msg"], 0) + 1
    summary = ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items()))
    if not ts:
        print("wg_compare: tshark found no WireGuard packet: the capture "
              "or the tshark invocation is broken")
        sys.exit(1)
    missing = [k for k in require if k not in kinds]
    if missing:
        print("wg_compare: tshark saw no %s packet (saw %s): the traffic "
              "generator did not do its job" % (", ".join(missing), summary))
    if bad:
        print("wg_compare: %d of %d frames disagree (tshark: %d WireGuard "
              "packets, fdecode: %d)" % (bad, len(set(ts) | set(fd)),
                                         len(ts), len(fd)))
    if bad or missing:
        sys.exit(1)
    print("wg_compare: %d WireGuard packets agree (%s)" % (len(ts), summary))


if __name__ == "__main__":
    main()
