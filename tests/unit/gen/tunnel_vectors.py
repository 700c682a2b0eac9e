#!/usr/bin/python3
"""Generates tests/unit/tunnel_vectors.h and the fuzz seed corpora.

The vectors are the bytes the tunnel-UDP decoders are tested with. Where they
could be made here they are real:

  * WireGuard: one handshake between two wireguard-go v0.0.20220316 peers in
    network namespaces (underlay 198.18.0.1:51820 <-> 198.18.0.2:51821, tunnel
    100.64.0.1 <-> 100.64.0.2), captured with tcpdump on the veth; a second
    run sent one 1392-byte UDP datagram so the transport packet is MTU-capped
    (MTU 1420: plaintext 1420, not a multiple of 16). The cookie reply and
    the "under load" (mac2) messages are computed from that capture with
    B's real public key (BLAKE2s from hashlib, XChaCha20-Poly1305 from
    libsodium via PyNaCl), so mac1/mac2/cookie verify.
  * STUN: coturn 4.6.1 `turnserver -S` answering `turnutils_stunclient`
    between two namespaces (198.18.1.x and fd00:198:18:1::x), captured; the
    Tailscale-style request/response are built to net/stun/stun.go's layout
    with zlib's CRC-32. tshark 4.0 decodes all of them (see the test files).
  * disco: sealed with PyNaCl's crypto_box (X25519 + XSalsa20-Poly1305) from
    fixed test keys, as tailscale's disco package does.
  * DNS: a glibc getaddrinfo() query captured in a namespace (ID rewritten).

Run it from anywhere: python3 tests/unit/gen/tunnel_vectors.py
(needs python3-nacl). It rewrites the header and tests/fuzz/corpus/*/.
"""
import hashlib
import os
import struct
import sys
import zlib

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt
from nacl.public import Box, PrivateKey

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# --- captured bytes -------------------------------------------------------

WG_INITIATION = bytes.fromhex(
    "0100000053950e71efbd6520609a543b4e4076180ce21b59f6cccc850fa79aaed98b6919"
    "4d7bd64f0269e85d9db0faaa3081290eb487f0a154f2368ccce231128239861ece7fa9fc"
    "d7c8d36b31c9c508de788e5a8c10f8f8ff51ebad59dd9d76bfe19285eb70b2039ef7fee9"
    "05cebdd85a28d1a1264a46cb90599e9df8bf3f022b002fba000000000000000000000000"
    "00000000")
WG_RESPONSE = bytes.fromhex(
    "02000000eb413dc953950e71e2079e09615d0de377ba4d7719bfd673731ed085e03a0c8f"
    "9dcc9fcdf36b2e1ee808a0dacd74d97294fc2e1a8b34ab940161cfd8eeb7232d2129ae75"
    "96ecb18200000000000000000000000000000000")
WG_TRANSPORT = bytes.fromhex(
    "04000000eb413dc90000000000000000353a0dcfde7124198de58a4090e0d3de9cc4b866"
    "6898b4eaf1bd603ef21834b7cbe9b536df96235faae3a270fc4e4fbf4bfb3fc0e57d94c2"
    "2291e93ccb46c583")
WG_KEEPALIVE = bytes.fromhex(
    "0400000053950e710100000000000000f43895e0ed7a9a549b125bb8643647c9")
WG_TRANSPORT_MTU = bytes.fromhex("""
040000000a1fb9980000000000000000a8f7c0682fc7a6fff280d62f5d3f6f2ecc3db50d3f976e9085c6d08e9f778f55
4eddd250512ce92d130861d82cecba10b4ec768ff49bfa60c8de97dc38936b466fd877d2f7a3825d9abecc21ed298755
e7909b1919edad72a5ba2b13e946b90bc29f3a0ea0f1a209c58c8fd9455f4d7592a3a39d6381b1d3c70c2bc0efa8ef85
0385d84dfe0d3372c2be8e484f71c864492c95184175b4e3bcdeac44b445039ee25a862f8fe8848f53435e374ce55051
6d47b87914fb9609c9daf5dbd14a3e8f5430be953db24871f77dc59ee0e670ce9d21ebabbd3582ef078c3708c461253e
5c241cf9d86cbbb133a10ec34a9fd280d243d42bd8ffd0d2d9aa28799d3d3d74cf34a233234ecf7d64fee344e10a6cd6
372fdb373b91b96af20d1414ff2449a6c73118efb22b471dd4c7237e1c15c747d2cd65a8c854e11f248ccf0659af3da9
ce9bd39665dd2ef910f46621ce4f0fe829d34a829a600edc9cbd000e3b0bc4d12b0b8f65fe08b995deea162686430d27
f7de8c18148fc8ae6b3073ea96901d96d78cf47dd36e6c8d441b9473d0358afb8cb1368fdc1be5d7cb0ef39c94ef46a9
7fbbbe9ac2e7d4e2a34d59d597470adbaa044cbd9ddabc915139d3020f3a6a634831b6161fa99ee47bc3517dfb7ec786
17e82c2a0d7fb6e4c4791d164916ebc2a308b7d1dbaca5bb89043bb6a08b59dc72d69be1ec3be574dc84f37ecac89085
c4dd01c5519459e156f3c33dd6627125debaa64f7d162b663d6ae532607d2b8a4ab81dde4acdcdf8c595336c32da4c37
0f26bf4827930a3d11f863a41a49a8544152ba0f2a5dd8cf5dccb2d1e5f1d994dbfb6e0986bb1e5a5ab76428b762c7a1
9662e47081a53f32c7cfbf969bc426e97d390902120140095333844f4457f1c8f47b277eda25893a9e6385d4027bd07a
0939a6be48dcdd8da6e731c2d37d2e836aa6a3dfacd958a1f2a6b17bebde2400af2b5e95b858b34494b98be3b9ab9008
d951eb943a42c29180785c8ae3779736d2cf7bde418065d7a2f6d0c9d2e33c9438def656f2d524e2bc7b2640fa84c8fc
e332b04dd57389b91dd712a1c75e7c04b6f282ab3770f643118439c5ba0bd82c6cc7f276a67f1298e24fc36afd692000
a6812c82d9e77f69f06e268687fa03d05eaf0d1d9f2a2ace57f4f01db38dbe3a2fbaf6bf6e3fd87db2968ccd9d1334b0
0c1abc749872894e840e0509c2a43f75fd955cc8b9285370de0d0357609c87d82eb2b398051c59981898ff3bef8fd5a0
77232d9cc3e3c7e6ce2f183ed18696d5b0dd0c3d46b8bfab864e4544738d767133a99352ff1d41690eedd2915b585fd7
98b846152eaa0de6b7f612d0cd24c04f6794a00d85fe0bb63ae25673b5f3a8c29b61af0f8af1fd43d9949632f8b61f07
47860cd3a0fdbe0ca0b0e8b084ec7700702f7c421616af6715b61be2825a93b8e1ae2a2aade63e54cb750931153c1a30
62177416a2be20739082db991d1545a2565fd29d6d50465dec79e4d5d635235a63d4407ac7c5be46b0c0c53e4d77e07c
1b6268a5da33685f4a25d315bcd1a8fc9c4296d8223ad3719f747eb71d81644a17b92e62aa36e84ab56c19a5fbba2b46
bb31d484353f81466f231aabc4b4a186a0034a8f99ca7da46b6bf0444d2131cd3be5bdf7d4ee57cd6e6a56585011e170
e8a6d3e58dc73459437c75d987a27b403c71e63690a798c38aa6627df8ff9180bb713d427cf0fd1a33cdf74701b250f7
b1b4c8cb26184c20e5948d65283d7274dbef3d997b6a84e85147494b244c59bf4b07676d012be9dbf2c7de513cdbdc32
08f1f38bb36084ce36cfbfdff31aa1b962f582649b1ab1c41510b78502d38593783cac75a71582a53419459fd7ad8325
5a7a98e9f488d60831e299fefcfad41af2dbb434723e4e57dd2dd831904c41e169119314bf77ba762b54485ff8be2c13
80fcb12eb1957072960b65fc7280b56d06742e87fda2c0da5a93c3119ffd516dded1956f9b353028af11bbd6f8f457a0
9003992354ad8005d73661e6
""".replace("\n", ""))
# wg pubkeys of the two peers (A initiates, B responds)
WG_PUB_A = bytes.fromhex("ebc1d906e8f5c4bc414597f97b201ebb7e258712b99a2aa9e82aafb99e04cf69")
WG_PUB_B = bytes.fromhex("1395e2736bd659c15e90fbd435295b61775f283c696aa38feba5405f83233072")

STUN_COTURN_REQ4 = bytes.fromhex("000100002112a442b1207801006bfec1e49da3f5")
STUN_COTURN_RESP4 = bytes.fromhex(
    "010100502112a442b1207801006bfec1e49da3f5002000080001e2b0e700a54300010008"
    "0001c3a2c6120101802b000800010d96c6120102802c000800010d97c612010280220014"
    "436f7475726e2d342e362e312027476f7273742780280004b1111a30")
STUN_COTURN_REQ6 = bytes.fromhex("000100002112a44233d08cf48faf18483ecbd8ed")
STUN_COTURN_RESP6 = bytes.fromhex(
    "010100802112a44233d08cf48faf18483ecbd8ed0020001400028431dc12a5da33c88cf5"
    "8faf18483ecbd8ec000100140002a523fd000198001800010000000000000001802b0014"
    "00020d96fd000198001800010000000000000002802c001400020d97fd00019800180001"
    "000000000000000280220014436f7475726e2d342e362e312027476f7273742780280004"
    "c89097ad")

DNS_QUERY = bytes.fromhex(
    "d8b8010000010000000000000666756e6e656c076578616d706c65027473036e6574000001"
    "0001")

# --- helpers -------------------------------------------------------------


def blake2s(x):
    return hashlib.blake2s(x).digest()


def wg_mac(k, x):
    return hashlib.blake2s(x, key=k, digest_size=16).digest()


def seed(label, n=32):
    return hashlib.sha256(b"funnelscope test " + label.encode()).digest()[:n]


class Vec:
    """A vector as a list of (bytes, comment) fields."""

    def __init__(self, name, layer, kind, note):
        self.name, self.layer, self.kind, self.note = name, layer, kind, note
        self.fields = []

    def f(self, b, comment):
        self.fields.append((bytes(b), comment))
        return self

    def data(self):
        return b"".join(b for b, _ in self.fields)

    def check(self, expect):
        assert self.data() == expect, self.name


def hexs(b):
    return " ".join("%02x" % x for x in b)


def c_lines(v):
    out = []
    for b, comment in v.fields:
        comment = comment.replace("\\", "/").replace('"', "'")
        if not b:
            continue
        chunks = [b[i:i + 16] for i in range(0, len(b), 16)]
        for i, ch in enumerate(chunks):
            h = hexs(ch)
            if i == 0:
                c = comment
                if len(b) > 16 and "(%d" % len(b) not in c:
                    c += " (%d bytes)" % len(b)
                out.append('\t  "%-48s # %s\\n"' % (h, c))
            else:
                out.append('\t  "%s\\n"' % h)
    return out


def ipv4_cksum(h):
    s = 0
    for i in range(0, len(h), 2):
        s += (h[i] << 8) | h[i + 1]
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def stun_fp(msg):
    return struct.pack(">I", zlib.crc32(msg) ^ 0x5354554E)


# --- WireGuard -------------------------------------------------------------

vecs = []


def wg_initiation(name, msg, note):
    v = Vec(name, "TV_UDP", "FSC_TUNNEL_WG", note)
    v.f(msg[0:4], "type 1 initiation, reserved 00 00 00")
    v.f(msg[4:8], "sender index LE = 0x%08x" % struct.unpack("<I", msg[4:8])[0])
    v.f(msg[8:40], "unencrypted ephemeral (A's ephemeral public key)")
    v.f(msg[40:88], "encrypted static: A's static key 32 + tag 16")
    v.f(msg[88:116], "encrypted timestamp: TAI64N 12 + tag 16")
    v.f(msg[116:132], "mac1 = MAC(HASH('mac1----' || B's public key), msg[0:116])")
    z = msg[132:148] == bytes(16)
    v.f(msg[132:148], "mac2 all zero: no cookie held" if z else
        "mac2 = MAC(cookie, msg[0:132]): sender holds a cookie (under load)")
    v.check(msg)
    return v


def wg_response(name, msg, note):
    v = Vec(name, "TV_UDP", "FSC_TUNNEL_WG", note)
    v.f(msg[0:4], "type 2 response, reserved 00 00 00")
    v.f(msg[4:8], "sender index LE = 0x%08x" % struct.unpack("<I", msg[4:8])[0])
    v.f(msg[8:12], "receiver index LE = 0x%08x" % struct.unpack("<I", msg[8:12])[0])
    v.f(msg[12:44], "unencrypted ephemeral (B's ephemeral public key)")
    v.f(msg[44:60], "encrypted nothing: tag 16")
    v.f(msg[60:76], "mac1 = MAC(HASH('mac1----' || A's public key), msg[0:60])")
    z = msg[76:92] == bytes(16)
    v.f(msg[76:92], "mac2 all zero: no cookie held" if z else
        "mac2 = MAC(cookie, msg[0:76]): sender holds a cookie (under load)")
    v.check(msg)
    return v


def wg_transport(name, msg, note):
    v = Vec(name, "TV_UDP", "FSC_TUNNEL_WG", note)
    v.f(msg[0:4], "type 4 transport, reserved 00 00 00")
    v.f(msg[4:8], "receiver index LE = 0x%08x" % struct.unpack("<I", msg[4:8])[0])
    v.f(msg[8:16], "counter LE = %d" % struct.unpack("<Q", msg[8:16])[0])
    plain = len(msg) - 32
    if plain:
        v.f(msg[16:], "ChaCha20-Poly1305: padded plaintext %d + tag 16" % plain)
    else:
        v.f(msg[16:], "tag 16 over an empty plaintext: keepalive")
    v.check(msg)
    return v


# mac1 of the captured messages verifies against the peers' real keys.
assert wg_mac(blake2s(b"mac1----" + WG_PUB_B), WG_INITIATION[:116]) == WG_INITIATION[116:132]
assert wg_mac(blake2s(b"mac1----" + WG_PUB_A), WG_RESPONSE[:60]) == WG_RESPONSE[60:76]

vecs.append(wg_initiation("wg_initiation", WG_INITIATION,
                          "captured: wireguard-go A -> B handshake initiation"))
vecs.append(wg_response("wg_response", WG_RESPONSE,
                        "captured: B -> A handshake response"))

# Cookie reply B would send to A's initiation when under load.
cookie = wg_mac(seed("wg cookie secret"), bytes([198, 18, 0, 1]) + struct.pack(">H", 51820))
cnonce = seed("wg cookie nonce", 24)
enc = crypto_aead_xchacha20poly1305_ietf_encrypt(cookie, WG_INITIATION[116:132], cnonce,
                                                 blake2s(b"cookie--" + WG_PUB_B))
WG_COOKIE = bytes([3, 0, 0, 0]) + WG_INITIATION[4:8] + cnonce + enc
v = Vec("wg_cookie", "TV_UDP", "FSC_TUNNEL_WG",
        "computed: B's cookie reply to wg_initiation (XAEAD with B's real key)")
v.f(WG_COOKIE[0:4], "type 3 cookie reply, reserved 00 00 00")
v.f(WG_COOKIE[4:8], "receiver index LE = 0x710e9553 (the initiation's sender)")
v.f(WG_COOKIE[8:32], "nonce (24 random bytes)")
v.f(WG_COOKIE[32:64], "encrypted cookie: XChaCha20-Poly1305, cookie 16 + tag 16, AD = mac1")
v.check(WG_COOKIE)
vecs.append(v)

vecs.append(wg_transport("wg_transport", WG_TRANSPORT,
                         "captured: A -> B first data packet, 46-byte UDP inside, padded to 48"))
vecs.append(wg_transport("wg_keepalive", WG_KEEPALIVE,
                         "captured: B -> A persistent keepalive"))
vecs.append(wg_transport("wg_transport_mtu", WG_TRANSPORT_MTU,
                         "captured: 1420-byte inner packet at MTU 1420; padding capped at the MTU"))

ini_load = WG_INITIATION[:132] + wg_mac(cookie, WG_INITIATION[:132])
vecs.append(wg_initiation("wg_initiation_load", ini_load,
                          "computed: wg_initiation resent with mac2 from wg_cookie's cookie"))
resp_load = WG_RESPONSE[:76] + wg_mac(cookie, WG_RESPONSE[:76])
vecs.append(wg_response("wg_response_load", resp_load,
                        "computed: wg_response with a mac2 (responder under load)"))

# --- disco ---------------------------------------------------------------

disco_a = PrivateKey(seed("disco key A"))
disco_b = PrivateKey(seed("disco key B"))
MAGIC = b"TS\xf0\x9f\x92\xac"
TXID = bytes.fromhex("5a1e0c0ffee0ddba11ab1e00")
NODE_KEY_A = WG_PUB_A


def mapped16(v4=None, v6=None):
    return (bytes(10) + b"\xff\xff" + bytes(v4)) if v4 else bytes(v6)


def dplain(name, note):
    return Vec(name, "TV_DISCO_PLAIN", "FSC_TUNNEL_NONE", note)


ping = dplain("disco_ping", "ping with node key, no padding (tailscale >= 1.16)")
ping.f([0x01, 0x00], "type 1 ping, version 0")
ping.f(TXID, "txid (12)")
ping.f(NODE_KEY_A, "node key: the sender's WireGuard public key (32)")
vecs.append(ping)

ping_pad = dplain("disco_ping_pad", "ping with node key and 20 bytes of MTU-probe padding")
ping_pad.f([0x01, 0x00], "type 1 ping, version 0")
ping_pad.f(TXID, "txid (12)")
ping_pad.f(NODE_KEY_A, "node key (32)")
ping_pad.f(bytes(20), "padding: 20 zero bytes (path MTU probe)")
vecs.append(ping_pad)

ping_old = dplain("disco_ping_old", "ping from a client <= 1.16: txid only")
ping_old.f([0x01, 0x00], "type 1 ping, version 0")
ping_old.f(TXID, "txid (12), no node key")
vecs.append(ping_old)

pong4 = dplain("disco_pong4", "pong: the ping's source was 203.0.113.45:41641")
pong4.f([0x02, 0x00], "type 2 pong, version 0")
pong4.f(TXID, "txid (12) echoed from the ping")
pong4.f(mapped16(v4=[203, 0, 113, 45]), "source ::ffff:203.0.113.45 (v4-mapped = IPv4)")
pong4.f(struct.pack(">H", 41641), "port BE = 41641")
vecs.append(pong4)

pong6 = dplain("disco_pong6", "pong: source [2001:db8:85a3::8a2e:370:7334]:3478")
pong6.f([0x02, 0x00], "type 2 pong, version 0")
pong6.f(TXID, "txid (12)")
pong6.f(bytes.fromhex("20010db885a3000000008a2e03707334"), "source 2001:db8:85a3::8a2e:370:7334")
pong6.f(struct.pack(">H", 3478), "port BE = 3478")
vecs.append(pong6)

cmm = dplain("disco_cmm", "call-me-maybe with three endpoints")
cmm.f([0x03, 0x00], "type 3 call-me-maybe, version 0")
cmm.f(mapped16(v4=[203, 0, 113, 45]), "endpoint 1: ::ffff:203.0.113.45")
cmm.f(struct.pack(">H", 41641), "  port BE = 41641")
cmm.f(mapped16(v4=[198, 18, 0, 2]), "endpoint 2: ::ffff:198.18.0.2")
cmm.f(struct.pack(">H", 41641), "  port BE = 41641")
cmm.f(bytes.fromhex("20010db8000000000000000000000001"), "endpoint 3: 2001:db8::1")
cmm.f(struct.pack(">H", 41642), "  port BE = 41642")
vecs.append(cmm)

RELAY_KEY = bytes(disco_b.public_key)
bind = dplain("disco_bind", "bind-udp-relay-endpoint: the 72-byte common body")
bind.f([0x04, 0x00], "type 4 bind-udp-relay-endpoint, version 0")
bind.f(struct.pack(">I", 0x00ABCDEF), "VNI BE = 0xabcdef")
bind.f(struct.pack(">I", 7), "generation BE = 7")
bind.f(RELAY_KEY, "remote disco key (32)")
bind.f(bytes(32), "challenge (32, zero in the first message)")
vecs.append(bind)


def relay_endpoint(v, eps):
    v.f(bytes(disco_a.public_key), "server disco key (32)")
    v.f(bytes(disco_a.public_key), "client disco key 1 (32)")
    v.f(RELAY_KEY, "client disco key 2 (32)")
    v.f(struct.pack(">Q", 42), "lamport ID BE = 42")
    v.f(struct.pack(">I", 0x00ABCDEF), "VNI BE = 0xabcdef")
    v.f(struct.pack(">Q", 30 * 10**9), "bind lifetime BE (ns) = 30 s")
    v.f(struct.pack(">Q", 300 * 10**9), "steady-state lifetime BE (ns) = 300 s")
    for addr, port, what in eps:
        v.f(addr, "endpoint " + what)
        v.f(struct.pack(">H", port), "  port BE = %d" % port)


via = dplain("disco_cmm_via", "call-me-maybe-via: relay endpoint with one address")
via.f([0x07, 0x00], "type 7 call-me-maybe-via, version 0")
relay_endpoint(via, [(mapped16(v4=[198, 18, 0, 9]), 7000, "::ffff:198.18.0.9")])
vecs.append(via)

alloc_req = dplain("disco_alloc_req", "allocate-udp-relay-endpoint-request")
alloc_req.f([0x08, 0x00], "type 8 allocate-udp-relay-endpoint-request, version 0")
alloc_req.f(bytes(disco_a.public_key), "client disco key 1 (32)")
alloc_req.f(RELAY_KEY, "client disco key 2 (32)")
alloc_req.f(struct.pack(">I", 3), "generation BE = 3")
vecs.append(alloc_req)

alloc_resp = dplain("disco_alloc_resp", "allocate-udp-relay-endpoint-response with two addresses")
alloc_resp.f([0x09, 0x00], "type 9 allocate-udp-relay-endpoint-response, version 0")
alloc_resp.f(struct.pack(">I", 3), "generation BE = 3")
relay_endpoint(alloc_resp, [(mapped16(v4=[198, 18, 0, 9]), 7000, "::ffff:198.18.0.9"),
                            (bytes.fromhex("20010db8000000000000000000000009"), 7000,
                             "2001:db8::9")])
vecs.append(alloc_resp)


def disco_wrapper(name, plain, nonce_label, note):
    nonce = seed(nonce_label, 24)
    sealed = Box(disco_a, disco_b.public_key).encrypt(plain.data(), nonce)
    box = sealed.ciphertext
    assert Box(disco_b, disco_a.public_key).decrypt(box, nonce) == plain.data()
    v = Vec(name, "TV_UDP", "FSC_TUNNEL_DISCO", note)
    v.f(MAGIC, "magic 'TS' + U+1F4AC speech balloon")
    v.f(bytes(disco_a.public_key), "sender disco public key (32)")
    v.f(nonce, "nonce (24)")
    v.f(box[:16], "box: Poly1305 tag")
    v.f(box[16:], "box: XSalsa20 ciphertext of %s (%d)" % (plain.name, len(plain.data())))
    return v


vecs.append(disco_wrapper("disco_wrap_ping", ping, "disco nonce 1",
                          "sealed ping from A to B, as sent over UDP"))
vecs.append(disco_wrapper("disco_wrap_cmm", cmm, "disco nonce 2",
                          "sealed call-me-maybe from A to B, as carried by DERP"))

# --- STUN ----------------------------------------------------------------

COOKIE = bytes.fromhex("2112a442")


def stun_vec(name, note):
    return Vec(name, "TV_UDP", "FSC_TUNNEL_STUN", note)


def stun_hdr(v, typ, length, txid, what):
    v.f(struct.pack(">H", typ), "type 0x%04x %s" % (typ, what))
    v.f(struct.pack(">H", length), "length %d" % length)
    v.f(COOKIE, "magic cookie 0x2112a442")
    v.f(txid, "transaction ID (12)")


def xor_addr_attr(v, typ, txid, addr, port, family):
    xport = port ^ 0x2112
    if family == 1:
        xaddr = bytes(a ^ b for a, b in zip(addr, COOKIE))
        vlen = 8
    else:
        xaddr = bytes(a ^ b for a, b in zip(addr, COOKIE + txid))
        vlen = 20
    v.f(struct.pack(">HH", typ, vlen), "XOR-MAPPED-ADDRESS (0x%04x), length %d" % (typ, vlen))
    v.f([0, family], "  reserved, family %d (%s)" % (family, "IPv4" if family == 1 else "IPv6"))
    v.f(struct.pack(">H", xport), "  X-Port = %d ^ 0x2112" % port)
    v.f(xaddr, "  X-Address = address ^ %s" % ("cookie" if family == 1 else "cookie || txid"))


def stun_coturn_resp(name, msg, family, note):
    v = stun_vec(name, note)
    alen = 8 if family == 1 else 20
    stun_hdr(v, 0x0101, struct.unpack(">H", msg[2:4])[0], msg[8:20], "binding success")
    o = 20
    for typ, what in ((0x0020, "XOR-MAPPED-ADDRESS"), (0x0001, "MAPPED-ADDRESS"),
                      (0x802B, "RESPONSE-ORIGIN"), (0x802C, "OTHER-ADDRESS")):
        v.f(msg[o:o + 4], "%s (0x%04x), length %d" % (what, typ, alen))
        v.f(msg[o + 4:o + 6], "  reserved, family %d" % family)
        v.f(msg[o + 6:o + 8], "  %sport" % ("X-" if typ == 0x20 else ""))
        v.f(msg[o + 8:o + 4 + alen], "  %saddress" % ("X-" if typ == 0x20 else ""))
        o += 4 + alen
    v.f(msg[o:o + 4], "SOFTWARE (0x8022), length 20")
    v.f(msg[o + 4:o + 24], "  \"Coturn-4.6.1 'Gorst'\"")
    o += 24
    v.f(msg[o:o + 4], "FINGERPRINT (0x8028), length 4")
    v.f(msg[o + 4:o + 8], "  CRC-32 ^ 0x5354554e")
    v.check(msg)
    assert stun_fp(msg[:-8]) == msg[-4:]
    return v


v = stun_vec("stun_coturn_req4", "captured: turnutils_stunclient binding request over IPv4")
stun_hdr(v, 0x0001, 0, STUN_COTURN_REQ4[8:], "binding request")
v.check(STUN_COTURN_REQ4)
vecs.append(v)
vecs.append(stun_coturn_resp("stun_coturn_resp4", STUN_COTURN_RESP4, 1,
                             "captured: coturn answer, mapped 198.18.1.1:50082"))
v = stun_vec("stun_coturn_req6", "captured: binding request over IPv6")
stun_hdr(v, 0x0001, 0, STUN_COTURN_REQ6[8:], "binding request")
v.check(STUN_COTURN_REQ6)
vecs.append(v)
vecs.append(stun_coturn_resp("stun_coturn_resp6", STUN_COTURN_RESP6, 2,
                             "captured: coturn answer, mapped [fd00:198:18:1::1]:42275"))

TS_TXID = bytes.fromhex("7e57ab1e0123456789abcdef")
v = stun_vec("stun_ts_req", "Tailscale-style request: SOFTWARE tailnode + FINGERPRINT")
stun_hdr(v, 0x0001, 20, TS_TXID, "binding request")
v.f(struct.pack(">HH", 0x8022, 8), "SOFTWARE (0x8022), length 8")
v.f(b"tailnode", "  \"tailnode\"")
v.f(struct.pack(">HH", 0x8028, 4), "FINGERPRINT (0x8028), length 4")
v.f(stun_fp(v.data()[:-4]), "  CRC-32(bytes 0-27: up to this attribute) ^ 0x5354554e")
vecs.append(v)

v = stun_vec("stun_ts_resp4", "Tailscale-style response: XOR-MAPPED-ADDRESS 203.0.113.45:41641")
stun_hdr(v, 0x0101, 12, TS_TXID, "binding success")
xor_addr_attr(v, 0x0020, TS_TXID, bytes([203, 0, 113, 45]), 41641, 1)
vecs.append(v)

V6 = bytes.fromhex("20010db885a3000000008a2e03707334")
v = stun_vec("stun_ts_resp6", "Tailscale-style response: [2001:db8:85a3::8a2e:370:7334]:41641")
stun_hdr(v, 0x0101, 24, TS_TXID, "binding success")
xor_addr_attr(v, 0x0020, TS_TXID, V6, 41641, 2)
vecs.append(v)

v = stun_vec("stun_mapped_then_xor",
             "MAPPED 192.0.2.1:1111 first, then XOR-MAPPED (0x8020) 203.0.113.45:41641")
stun_hdr(v, 0x0101, 24, TS_TXID, "binding success")
v.f(struct.pack(">HH", 0x0001, 8), "MAPPED-ADDRESS (0x0001), length 8")
v.f([0, 1], "  reserved, family 1 (IPv4)")
v.f(struct.pack(">H", 1111), "  port 1111")
v.f(bytes([192, 0, 2, 1]), "  192.0.2.1")
xor_addr_attr(v, 0x8020, TS_TXID, bytes([203, 0, 113, 45]), 41641, 1)
vecs.append(v)

v = stun_vec("stun_mapped_only", "success with only MAPPED-ADDRESS 203.0.113.45:41641")
stun_hdr(v, 0x0101, 12, TS_TXID, "binding success")
v.f(struct.pack(">HH", 0x0001, 8), "MAPPED-ADDRESS (0x0001), length 8")
v.f([0, 1], "  reserved, family 1 (IPv4)")
v.f(struct.pack(">H", 41641), "  port 41641")
v.f(bytes([203, 0, 113, 45]), "  203.0.113.45")
vecs.append(v)

v = stun_vec("stun_error", "binding error response 400 Bad Request + FINGERPRINT")
stun_hdr(v, 0x0111, 28, TS_TXID, "binding error response")
v.f(struct.pack(">HH", 0x0009, 15), "ERROR-CODE (0x0009), length 15")
v.f([0, 0, 4, 0], "  reserved 21 bits, class 4, number 0")
v.f(b"Bad Request", "  reason \"Bad Request\"")
v.f([0], "  padding to 4")
v.f(struct.pack(">HH", 0x8028, 4), "FINGERPRINT (0x8028), length 4")
v.f(stun_fp(v.data()[:-4]), "  CRC-32 ^ 0x5354554e")
vecs.append(v)

v = stun_vec("stun_indication", "binding indication with FINGERPRINT (ICE keepalive)")
stun_hdr(v, 0x0011, 8, TS_TXID, "binding indication")
v.f(struct.pack(">HH", 0x8028, 4), "FINGERPRINT (0x8028), length 4")
v.f(stun_fp(v.data()[:-4]), "  CRC-32 ^ 0x5354554e")
vecs.append(v)

v = stun_vec("stun_allocate", "TURN allocate request: REQUESTED-TRANSPORT UDP + FINGERPRINT")
stun_hdr(v, 0x0003, 16, TS_TXID, "allocate request")
v.f(struct.pack(">HH", 0x0019, 4), "REQUESTED-TRANSPORT (0x0019), length 4")
v.f([17, 0, 0, 0], "  protocol 17 (UDP), RFFU")
v.f(struct.pack(">HH", 0x8028, 4), "FINGERPRINT (0x8028), length 4")
v.f(stun_fp(v.data()[:-4]), "  CRC-32 ^ 0x5354554e")
vecs.append(v)

# --- near misses: UDP payloads that must stay plain UDP --------------------

dns = bytearray(DNS_QUERY)
dns[0:2] = b"\x01\xb8"
v = Vec("dns_query_01", "TV_UDP", "FSC_TUNNEL_NONE",
        "captured glibc DNS query, ID rewritten to 0x01b8: first byte 0x01 like an initiation")
v.f(dns[0:2], "ID 0x01b8")
v.f(dns[2:4], "flags 0x0100: RD (would be WireGuard reserved bytes)")
v.f(dns[4:12], "QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 0")
v.f(dns[12:35], "QNAME funnel.example.ts.net")
v.f(dns[35:39], "QTYPE A, QCLASS IN")
vecs.append(v)

# The same query padded (RFC 7830 EDNS(0) padding) to exactly 148 bytes.
opt_hdr = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 0)
padlen = 148 - (len(dns) + len(opt_hdr) + 4)
opt = b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 4 + padlen) + struct.pack(">HH", 12, padlen)
q148 = bytearray(dns)
q148[10:12] = b"\x00\x01"  # ARCOUNT 1
v = Vec("dns_query_148", "TV_UDP", "FSC_TUNNEL_NONE",
        "DNS query padded with EDNS(0) to 148 bytes: right size, reserved not zero")
v.f(q148[0:2], "ID 0x01b8")
v.f(q148[2:4], "flags 0x0100: RD")
v.f(q148[4:12], "QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1")
v.f(q148[12:35], "QNAME funnel.example.ts.net")
v.f(q148[35:39], "QTYPE A, QCLASS IN")
v.f(opt[0:11], "OPT RR: root name, type 41, UDP size 1232, TTL 0, RDLEN")
v.f(opt[11:15], "  option 12 (padding), length %d" % padlen)
v.f(bytes(padlen), "  padding")
assert len(v.data()) == 148
vecs.append(v)

v = Vec("stun_rfc3489", "TV_UDP", "FSC_TUNNEL_NONE",
        "classic RFC 3489 binding request: no magic cookie, not claimed")
v.f([0x00, 0x01], "type 0x0001 binding request")
v.f([0x00, 0x00], "length 0")
v.f(seed("rfc3489 txid", 16), "128-bit transaction ID (no cookie)")
vecs.append(v)

# --- tailscale debug capture records (LINKTYPE_USER0 bodies) ---------------


def ipv4_udp(src, dst, sport, dport, payload):
    ulen = 8 + len(payload)
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0x1234, 0x4000, 64, 17, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack(">H", ipv4_cksum(hdr)) + hdr[12:]
    pseudo = bytes(src) + bytes(dst) + struct.pack(">BBH", 0, 17, ulen)
    u = struct.pack(">HHHH", sport, dport, ulen, 0) + payload
    ck = ipv4_cksum(pseudo + u + (b"\x00" if len(u) % 2 else b"")) or 0xFFFF
    return hdr, struct.pack(">HHHH", sport, dport, ulen, ck), payload


def ipv6_udp(src, dst, sport, dport, payload):
    ulen = 8 + len(payload)
    hdr = struct.pack(">IHBB", 0x60000000, ulen, 17, 64) + src + dst
    pseudo = src + dst + struct.pack(">IxxxB", ulen, 17)
    u = struct.pack(">HHHH", sport, dport, ulen, 0) + payload
    ck = ipv4_cksum(pseudo + u + (b"\x00" if len(u) % 2 else b"")) or 0xFFFF
    return hdr, struct.pack(">HHHH", sport, dport, ulen, ck), payload


def tscap(name, note):
    return Vec(name, "TV_TSCAP", "FSC_TUNNEL_NONE", note)


HELLO = b"hello-funnelscope\n"
ip4 = ipv4_udp([100, 64, 0, 1], [100, 64, 0, 2], 40000, 9, HELLO)
v = tscap("tscap_from_peer", "path 1 FromPeer, no NAT, inner IPv4/UDP")
v.f([0x01, 0x00], "path LE = 1 FromPeer")
v.f([0x00], "SNAT length 0")
v.f([0x00], "DNAT length 0")
v.f(ip4[0], "IPv4 100.64.0.1 -> 100.64.0.2, UDP")
v.f(ip4[1], "UDP 40000 -> 9")
v.f(ip4[2], "payload 'hello-funnelscope' LF")
vecs.append(v)

v = tscap("tscap_synth_to_local", "path 2 SynthesizedToLocal, no NAT, inner IPv4/UDP")
v.f([0x02, 0x00], "path LE = 2 SynthesizedToLocal")
v.f([0x00], "SNAT length 0")
v.f([0x00], "DNAT length 0")
v.f(ip4[0], "IPv4 100.64.0.1 -> 100.64.0.2, UDP")
v.f(ip4[1], "UDP 40000 -> 9")
v.f(ip4[2], "payload 'hello-funnelscope' LF")
vecs.append(v)

S6 = bytes.fromhex("fd7a115ca1e0ab124843cd966268d02b")
D6 = bytes.fromhex("fd7a115ca1e000000000000000000002")
ip6 = ipv6_udp(S6, D6, 40001, 9, HELLO)
v = tscap("tscap_from_local_nat", "path 0 FromLocal, SNAT 4 bytes, DNAT 16 bytes, inner IPv6/UDP")
v.f([0x00, 0x00], "path LE = 0 FromLocal")
v.f([0x04], "SNAT length 4")
v.f([100, 104, 208, 43], "  pre-SNAT source 100.104.208.43")
v.f([0x10], "DNAT length 16")
v.f(bytes.fromhex("fd7a115ca1e000000000000000000053"), "  pre-DNAT destination fd7a:115c:a1e0::53")
v.f(ip6[0], "IPv6 4to6 fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b -> fd7a:115c:a1e0::2, UDP")
v.f(ip6[1], "UDP 40001 -> 9")
v.f(ip6[2], "payload 'hello-funnelscope' LF")
vecs.append(v)


def tscap_disco(name, note, via_derp, derp_key, port, addr, plain):
    v = tscap(name, note)
    v.f([0xFE, 0x00], "path LE = 254 disco")
    v.f([0x00], "SNAT length 0")
    v.f([0x00], "DNAT length 0")
    v.f([0x01 if via_derp else 0x00], "flags: bit 0 %s" % ("set, via DERP" if via_derp else
                                                           "clear, direct UDP"))
    v.f(derp_key, "DERP node key (32)" + ("" if via_derp else ", zero: not DERP"))
    v.f(struct.pack("<H", port), "source port LE = %d" % port)
    v.f(struct.pack("<H", len(addr)), "address length LE = %d" % len(addr))
    v.f(addr, "source address")
    v.f(struct.pack("<H", len(plain.data())), "payload length LE = %d" % len(plain.data()))
    for b, c in plain.fields:
        v.f(b, "disco: " + c)
    return v


vecs.append(tscap_disco("tscap_disco_udp", "path 254: ping received over UDP from 198.18.0.2:41641",
                        False, bytes(32), 41641, bytes([198, 18, 0, 2]), ping))
vecs.append(tscap_disco("tscap_disco_derp", "path 254: pong received via DERP (127.3.3.40, region 1)",
                        True, WG_PUB_B, 1, bytes([127, 3, 3, 40]), pong4))
vecs.append(tscap_disco("tscap_disco_v6", "path 254: call-me-maybe from [2001:db8::1]:41642",
                        False, bytes(32), 41642, bytes.fromhex("20010db8000000000000000000000001"),
                        cmm))

# --- output --------------------------------------------------------------


def emit_header(path):
    out = []
    out.append("/* tunnel_vectors.h - annotated test vectors for the tunnel-UDP decoders.")
    out.append(" *")
    out.append(" * GENERATED by tests/unit/gen/tunnel_vectors.py; edit that and re-run it.")
    out.append(" * Provenance of each vector is in its note and in the generator. Hex is")
    out.append(" * read by vec_hex(): text after '#' to the end of a line is a comment.")
    out.append(" * Included by several test programs; each uses the table through tv_find(). */")
    out.append("#ifndef FSC_TEST_TUNNEL_VECTORS_H")
    out.append("#define FSC_TEST_TUNNEL_VECTORS_H")
    out.append("")
    out.append("#include <stddef.h>")
    out.append("#include <string.h>")
    out.append("")
    out.append('#include "fsc/tunnel.h"')
    out.append("")
    out.append("enum tv_layer {")
    out.append("\tTV_UDP,\t\t/* a UDP payload: fsc_tunnel_classify gives `kind` */")
    out.append("\tTV_DISCO_PLAIN,\t/* a decrypted disco message */")
    out.append("\tTV_TSCAP,\t/* a LINKTYPE_USER0 record body */")
    out.append("};")
    out.append("")
    out.append("struct tun_vec {")
    out.append("\tconst char *name;")
    out.append("\tenum tv_layer layer;")
    out.append("\tenum fsc_tunnel_kind kind;")
    out.append("\tsize_t len;\t/* what vec_hex must return */")
    out.append("\tconst char *hex;")
    out.append("};")
    out.append("")
    out.append("static const struct tun_vec tun_vectors[] = {")
    for v in vecs:
        out.append("\t/* %s */" % v.note)
        out.append('\t{ "%s", %s, %s, %d,' % (v.name, v.layer, v.kind, len(v.data())))
        lines = c_lines(v)
        lines[-1] = lines[-1] + " },"
        out.extend(lines)
    out.append("};")
    out.append("")
    out.append("#define TUN_N_VECTORS (sizeof(tun_vectors) / sizeof(tun_vectors[0]))")
    out.append("")
    out.append("/* The vector called name, or NULL. */")
    out.append("static inline const struct tun_vec *tv_find(const char *name)")
    out.append("{")
    out.append("\tfor (size_t i = 0; i < TUN_N_VECTORS; i++)")
    out.append("\t\tif (strcmp(tun_vectors[i].name, name) == 0)")
    out.append("\t\t\treturn &tun_vectors[i];")
    out.append("\treturn NULL;")
    out.append("}")
    out.append("")
    out.append("#endif")
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")


def emit_corpus():
    targets = {
        "wireguard": lambda v: v.layer == "TV_UDP",
        "disco": lambda v: v.kind == "FSC_TUNNEL_DISCO" or v.layer == "TV_DISCO_PLAIN",
        "stun": lambda v: v.kind == "FSC_TUNNEL_STUN",
        "tscap": lambda v: v.layer == "TV_TSCAP",
    }
    for t, want in targets.items():
        d = os.path.join(ROOT, "tests", "fuzz", "corpus", t)
        os.makedirs(d, exist_ok=True)
        for v in vecs:
            if want(v):
                with open(os.path.join(d, v.name + ".bin"), "wb") as fh:
                    fh.write(v.data())


def emit_bins(d):
    os.makedirs(d, exist_ok=True)
    for v in vecs:
        with open(os.path.join(d, v.name + ".bin"), "wb") as fh:
            fh.write(v.data())


emit_header(os.path.join(ROOT, "tests", "unit", "tunnel_vectors.h"))
emit_corpus()
if len(sys.argv) > 1:
    emit_bins(sys.argv[1])  # every vector as a file, for ad-hoc checks
