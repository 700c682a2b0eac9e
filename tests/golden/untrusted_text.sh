#!/bin/sh
# Untrusted text never reaches a terminal raw (issue 5, item 6). A capture
# whose SNI, ALPN, Host, URI, User-Agent, X-Forwarded-For elements,
# Forwarded values, X-Forwarded-Host/-Proto, X-Real-IP, response reason,
# ingress source and target, STUN SOFTWARE, a malformed head and a cut head
# carry terminal escapes (ESC [ 2 J, OSC 52, a title change), C0 and C1
# controls, the Bidi_Control set, invisible format characters (zero-width
# space, BOM, a tag) and invalid UTF-8 (tests/gen/untrusted.py) is decoded
# as text, -v, JSON lines and summary (text and JSON), and shown by fwatch
# --dump --details (every view, every Detail). On stdout:
#   - no ESC, no other C0 control but newline, no DEL;
#   - valid UTF-8 with no C1 control, Bidi_Control, default-ignorable
#     code point or line separator;
#   - every JSON line parses, and the strings it carries decode back to the
#     hostile bytes (so the escaping hid nothing: the test is not vacuous).
# ula2v4 --annotate copies log lines byte for byte (doc/ula2v4.1,
# ANNOTATIONS): with names from a hostile `tailscale status --json`, what it
# inserts obeys the rules above and the rest is the input unchanged.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 "$FSC_SRC/tests/gen/untrusted.py" "$D" || { echo "FAIL: untrusted.py"; exit 1; }
fail=0
for mode in text verbose json summary json-summary; do
	case $mode in
	text) args="" ;;
	verbose) args="-v" ;;
	json) args="--json" ;;
	summary) args="--summary" ;;
	json-summary) args="--json --summary" ;;
	esac
	# shellcheck disable=SC2086
	"$FSC_BIN/fdecode" -n --no-geoip -t $args "$D/untrusted.pcap" >"$D/$mode.out" 2>"$D/$mode.err"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "FAIL: fdecode $args: exit $rc"; cat "$D/$mode.err"; fail=$((fail + 1)); }
done
# fwatch: every view as text, and every request's Detail
"$FSC_BIN/fwatch" -n --no-geoip -r "$D/untrusted.pcap" --dump --details >"$D/dump.out" \
	2>"$D/dump.err" || { echo "FAIL: fwatch --dump: exit $?"; fail=$((fail + 1)); }
"$FSC_BIN/ula2v4" --no-geoip --annotate --status "$D/status.json" <"$D/tailscaled.log" \
	>"$D/annotate.out" 2>"$D/annotate.err" ||
	{ echo "FAIL: ula2v4 --annotate: exit $?"; fail=$((fail + 1)); }

# fwatch's screen, as the terminal receives it (script(1) records the
# bytes): Requests, then Hosts, then the Detail of the newest request, each
# waited for on the screen (up to 20 s) before the next key. Skipped where
# script(1) is missing.
: >"$D/screen.out"
if command -v script >/dev/null 2>&1; then
	mkfifo "$D/keys"
	TERM=xterm-256color LC_ALL=C.UTF-8 script -qfe -c "stty cols 400 rows 60; \
		'$FSC_BIN/fwatch' -n --no-geoip -r '$D/untrusted.pcap' --max" "$D/screen.out" \
		<"$D/keys" >/dev/null 2>&1 &
	spid=$!
	exec 3>"$D/keys"
	# on_screen TEXT: waits for TEXT in what the terminal received so far
	on_screen() {
		i=0
		while [ $i -lt 200 ] && ! grep -qF -- "$1" "$D/screen.out"; do
			sleep 0.1
			i=$((i + 1))
		done
		grep -qF -- "$1" "$D/screen.out" || { echo "FAIL: screen: no '$1'"; fail=$((fail + 1)); }
	}
	on_screen " ended "
	printf 4 >&3
	on_screen "REQS"
	printf 1 >&3
	sleep 0.2
	printf '\r' >&3
	on_screen "Connection"
	printf q >&3
	exec 3>&-
	wait "$spid" || { echo "FAIL: fwatch on a terminal: exit $?"; fail=$((fail + 1)); }
fi

python3 - "$D" <<'EOF' || fail=$((fail + 1))
import difflib
import json
import re
import sys

d = sys.argv[1]
bad = 0


def fail(msg):
    global bad
    bad += 1
    print("FAIL: " + msg)


def clean(name, data):
    """No byte or code point a terminal could act on or misread."""
    for b in data:
        if (b < 0x20 and b != 0x0a) or b == 0x7f:
            return fail("%s: raw control byte 0x%02x" % (name, b))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return fail("%s: invalid UTF-8 at byte %d" % (name, e.start))
    for ch in text:
        cp = ord(ch)
        if 0x80 <= cp < 0xa0:
            return fail("%s: C1 control U+%04X" % (name, cp))
        if invisible(cp):
            return fail("%s: bidi control, invisible or separator U+%04X" % (name, cp))


def invisible(cp):
    """Bidi_Control (PropList.txt), Default_Ignorable_Code_Point
    (DerivedCoreProperties.txt), line/paragraph separators, interlinear
    annotation controls."""
    return (cp in (0x00ad, 0x034f, 0x061c, 0x3164, 0xfeff, 0xffa0, 0x2028, 0x2029) or
            0x115f <= cp <= 0x1160 or 0x17b4 <= cp <= 0x17b5 or 0x180b <= cp <= 0x180f or
            0x200b <= cp <= 0x200f or 0x202a <= cp <= 0x202e or 0x2060 <= cp <= 0x206f or
            0xfe00 <= cp <= 0xfe0f or 0xfff0 <= cp <= 0xfffb or 0x1bca0 <= cp <= 0x1bca3 or
            0x1d173 <= cp <= 0x1d17a or 0xe0000 <= cp <= 0xe0fff)


out = {m: open("%s/%s.out" % (d, m), "rb").read()
       for m in ("text", "verbose", "json", "summary", "json-summary", "dump")}
for m, data in out.items():
    clean("fdecode " + m, data)

# The text shows the hostile bytes, escaped: every field made it through.
text = out["text"].decode("utf-8", "replace")
for want in (r"tls client hello sni sni\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x1b\\\x9b31m",
             r"alpn h2\x1b[2J,x\x80\xc0",
             r"http GET host\x9b31m\xc2\x9b\xc2\x85\xe2\x80\xaegnp.exe",
             r" /uri\x9b31m",
             r"http 200 reason\x9b31m",
             r"http GET /esc\x9b31m",
             r"(malformed: header value: control character)",
             r"http GET /cut\x9b31m",
             r"(truncated: the stream ended inside the head)",
             r"ingress src 66.249.72.211:51234\x9b31m",
             r" target target\x9b31m",
             r" sni in\x1b]52;c;ZXZpbA==\x07\xe2\x80\xaegnp.exe",
             r"\xe2\x81\xa9\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\x8b\xef\xbb\xbf\xf3\xa0\x81\x81",
             r'software "sw\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x1b\\\x9b31m'):
    if want not in text:
        fail("text lacks %r" % want)

# The screen: what the terminal received holds no raw invisible character
# (ncurses' own escape sequences aside) and shows the hostile text escaped.
scr = open(d + "/screen.out", "rb").read()
if scr:
    scr = re.sub(rb"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-Za-z]|[=>78M])", b"", scr)
    scr = scr.replace(b"\r", b"").replace(b"\x08", b"").replace(b"\x07", b"")
    clean("fwatch screen", scr.split(b"\n", 1)[1].rsplit(b"\nScript done", 1)[0])
    for want in (rb"host\x9b31m", rb"\xe2\x80\x8b\xef\xbb\xbf"):
        if want not in scr:
            fail("fwatch screen lacks %r" % want)

# fwatch's dump shows them escaped the same way (Requests, Hosts, Detail).
dump = out["dump"].decode("utf-8", "replace")
for want in (r"host\x9b31m\xc2\x9b\xc2\x85\xe2\x80\xaegnp.exe",
             r"\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\x8b\xef\xbb\xbf\xf3\xa0\x81\x81",
             r"User-Agent: agent\x9b31m"):
    if want not in dump:
        fail("fwatch --dump lacks %r" % want)

# JSON: every line parses, and the values decode back to the bytes sent
# (\u00NN standing for an invalid byte NN).
esc, c1, rlo = "\x1b[2J", "\u009b31m", "\u202e"
invis = "\u061c\u200e\u200f\u200b\ufeff\U000e0041"
seen = set()
for name in ("json", "json-summary"):
    for n, line in enumerate(out[name].decode("utf-8").splitlines(), 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            fail("%s line %d: %s" % (name, n, e))
            continue
        t = o.get("type")
        for key, val in o.items():
            vals = val if isinstance(val, list) else [val]
            for v in vals:
                if isinstance(v, dict):
                    v = " ".join(str(x) for x in v.values())
                if isinstance(v, str) and (esc in v or c1 in v or rlo in v or "\x1b]52" in v):
                    seen.add("%s.%s" % (t, key))
                if isinstance(v, str) and invis in v:
                    seen.add("invisible")
want = {"tls_client_hello.sni", "tls_client_hello.alpn", "http_request.uri",
        "http_request.host", "http_request.user_agent", "http_request.xff",
        "http_request.forwarded", "http_request.x_forwarded_host",
        "http_request.x_forwarded_proto", "http_request.x_real_ip",
        "http_response.reason", "http_response.uri", "ingress.ingress_src",
        "ingress.ingress_target", "ingress.sni", "stun.software", "host.name"}
want.add("invisible")  # the invisible characters decode back too
for k in sorted(want - seen):
    fail("JSON: no hostile text came back in %s" % k)

# ula2v4 --annotate: only insertions, each clean, the hostile name among them.
src = open(d + "/tailscaled.log", "rb").read()
ann = open(d + "/annotate.out", "rb").read()
sm = difflib.SequenceMatcher(None, src, ann, autojunk=False)
inserted = []
for op, i1, i2, j1, j2 in sm.get_opcodes():
    if op == "insert":
        inserted.append(ann[j1:j2])
    elif op != "equal":
        fail("ula2v4 --annotate changed the log (%s at byte %d)" % (op, i1))
if len(inserted) < 3:
    fail("ula2v4 --annotate inserted %d annotations, want 3 or more" % len(inserted))
for a in inserted:
    clean("ula2v4 annotation %r" % a[:40], a)
if not any(rb"peer\x1b[2J\x1b]52;c;ZXZpbA==\x07" in a for a in inserted):
    fail("ula2v4 --annotate did not show the hostile DNSName (escaped)")
print("untrusted text: %d problems" % bad)
sys.exit(1 if bad else 0)
EOF
[ "$fail" -eq 0 ] && echo "1 passed, 0 failed"
[ "$fail" -eq 0 ]
