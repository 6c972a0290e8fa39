#!/usr/bin/env python3
"""check.py: asks SERVER:PORT `example.com MX` with ECS for every subnet of subnets.tsv and
compares the MX set (preference and exchange, sorted) with its region's expected set.

usage: check.py PORT SUBNETS.TSV [QNAME]   (QNAME default steered.example.com)
Prints one line "checked=N right=R wrong=W noanswer=E scopes=S" and up to 5 wrong examples;
exit status 1 when any answer is wrong or missing."""
import socket
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gen import query  # noqa: E402

EXPECT = {
    "eu": "10 mx-eu1.example.com.,10 mx-eu2.example.com.,20 mx-us1.example.com.,20 mx-us2.example.com.,30 mx-ap1.example.com.",
    "us": "10 mx-us1.example.com.,10 mx-us2.example.com.,20 mx-eu1.example.com.,20 mx-eu2.example.com.,30 mx-ap1.example.com.",
    "apac": "10 mx-ap1.example.com.,20 mx-us1.example.com.,20 mx-us2.example.com.,30 mx-eu1.example.com.,30 mx-eu2.example.com.",
}


def read_name(msg, off):
    labels, jumped, end = [], False, None
    while True:
        ln = msg[off]
        if ln & 0xC0 == 0xC0:
            if not jumped:
                end = off + 2
            off = ((ln & 0x3F) << 8) | msg[off + 1]
            jumped = True
            continue
        off += 1
        if ln == 0:
            break
        labels.append(msg[off:off + ln].decode().lower())
        off += ln
    return ".".join(labels) + ".", (end if jumped else off)


def parse(msg):
    qd, an, ns, ar = struct.unpack(">HHHH", msg[4:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    mx, scope, ttls = [], None, set()
    for i in range(an + ns + ar):
        _, off = read_name(msg, off)
        rtype, _, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rd = off
        off += rdlen
        if i < an and rtype == 15:
            pref = struct.unpack(">H", msg[rd:rd + 2])[0]
            name, _ = read_name(msg, rd + 2)
            mx.append("%d %s" % (pref, name))
            ttls.add(ttl)
        if rtype == 41:
            p = rd
            while p < rd + rdlen:
                code, olen = struct.unpack(">HH", msg[p:p + 4])
                if code == 8:
                    scope = msg[p + 7]
                p += 4 + olen
    return ",".join(sorted(mx)), scope, ttls


def main():
    port = int(sys.argv[1])
    subnets = [l.split("\t") for l in open(sys.argv[2]).read().splitlines()]
    qname = sys.argv[3] if len(sys.argv) > 3 else "steered.example.com"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    right = wrong = noans = 0
    scopes, ttls, bad = {}, set(), []
    for i, (cidr, region, *_) in enumerate(subnets):
        addr = cidr.split("/")[0]
        q = bytearray(query(qname, 15, addr, qid=i & 0xFFFF))
        got = None
        for _ in range(3):
            s.sendto(q, ("127.0.0.1", port))
            try:
                while True:
                    r, _ = s.recvfrom(4096)
                    if r[:2] == q[:2]:
                        got = r
                        break
            except socket.timeout:
                continue
            break
        if got is None:
            noans += 1
            bad.append("%s: no answer" % cidr)
            continue
        mx, scope, t = parse(got)
        scopes[scope] = scopes.get(scope, 0) + 1
        ttls |= t
        if mx == EXPECT[region]:
            right += 1
        else:
            wrong += 1
            bad.append("%s (%s): got '%s'" % (cidr, region, mx))
    print("checked=%d right=%d wrong=%d noanswer=%d scopes=%s ttls=%s" % (
        len(subnets), right, wrong, noans,
        "/".join("%s:%d" % (k, v) for k, v in sorted(scopes.items(), key=str)),
        "/".join(str(x) for x in sorted(ttls))))
    for b in bad[:5]:
        print("  wrong: " + b)
    sys.exit(1 if wrong or noans else 0)


main()
