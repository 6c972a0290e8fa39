#!/usr/bin/env python3
"""dns_loop.py PORT SUBNET OUT [PERIOD_S]: the failover client of bench/health/failover.sh.

Asks 127.0.0.1:PORT (UDP) for `example.com MX` with an EDNS Client Subnet option for SUBNET
(e.g. 192.0.2.0/24), what `dig +subnet=SUBNET example.com MX` sends, every PERIOD_S seconds
(default 0.1; the next query goes out at the next multiple of the period, or at once when a
reply took longer). One line per query is appended to OUT:
"<unix ms when sent> <status> <pref name,...>": status is the reply's RCODE (NOERROR,
SERVFAIL, NXDOMAIN, ...) or TIMEOUT when no reply came within 2 s; the MX records of the answer
section, sorted, or "-" when there is none. Runs until killed. dig itself costs 150-500 ms of
start-up per query on a busy 2-CPU machine, too slow for a 100 ms cadence.
SPDX-License-Identifier: MIT
"""
import ipaddress
import random
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def query(qid, subnet):
    net = ipaddress.ip_network(subnet, strict=False)
    family = 1 if net.version == 4 else 2
    addr = net.network_address.packed[: (net.prefixlen + 7) // 8]
    ecs = struct.pack("!HBB", family, net.prefixlen, 0) + addr
    opt = b"\x00" + struct.pack("!HHIH", 41, 4096, 0, 4 + len(ecs)) + struct.pack("!HH", 8, len(ecs)) + ecs
    qname = b"".join(bytes([len(p)]) + p.encode() for p in "example.com".split(".")) + b"\x00"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + qname + struct.pack("!HH", 15, 1) + opt


def read_name(msg, pos):
    labels, jumped, end = [], False, pos
    for _ in range(128):
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            if not jumped:
                end = pos + 2
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            jumped = True
            continue
        if length == 0:
            if not jumped:
                end = pos + 1
            return ".".join(labels) + ".", end
        labels.append(msg[pos + 1 : pos + 1 + length].decode("ascii", "replace").lower())
        pos += 1 + length
    raise ValueError("name loop")


def parse(msg):
    _, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    status = RCODES.get(flags & 0xF, f"RCODE{flags & 0xF}")
    pos = 12
    for _ in range(qd):
        _, pos = read_name(msg, pos)
        pos += 4
    mx = []
    for _ in range(an):
        _, pos = read_name(msg, pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[pos : pos + 10])
        pos += 10
        if rtype == 15:
            pref = struct.unpack("!H", msg[pos : pos + 2])[0]
            name, _ = read_name(msg, pos + 2)
            mx.append(f"{pref} {name}")
        pos += rdlen
    return status, ",".join(sorted(mx)) if mx else "-"


def main():
    port, subnet, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    period = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect(("127.0.0.1", port))
    with open(out, "a", buffering=1) as log:
        next_at = time.monotonic()
        while True:
            qid = random.randrange(65536)
            sent_ms = time.time_ns() // 1_000_000
            sock.send(query(qid, subnet))
            deadline = time.monotonic() + 2.0
            line = f"{sent_ms} TIMEOUT -"
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                sock.settimeout(left)
                try:
                    msg = sock.recv(4096)
                except socket.timeout:
                    break
                except OSError as e:  # ICMP port unreachable and the like
                    line = f"{sent_ms} NETERR:{e.errno} -"
                    break
                if len(msg) >= 12 and struct.unpack("!H", msg[:2])[0] == qid:
                    try:
                        status, answer = parse(msg)
                    except (ValueError, IndexError, struct.error):
                        status, answer = "UNPARSABLE", "-"
                    line = f"{sent_ms} {status} {answer}"
                    break
            log.write(line + "\n")
            next_at += period
            now = time.monotonic()
            if next_at > now:
                time.sleep(next_at - now)
            else:
                next_at = now


if __name__ == "__main__":
    main()
