#!/usr/bin/env python3
"""gen.py: the data of bench/steer/run.sh, deterministic (fixed seed).

usage: gen.py OUTDIR [--subnets N] [--zipf-queries N] [--zipf-s S]

OUTDIR/subnets.tsv   N client /24s 127.A.B.0/24 (A = 1.., B = 0..249), region by (index % 3):
                     eu (DE, EU), us (US, NA), apac (JP, AS); neighbouring /24s differ, so no
                     steering decision covers more than one /24
OUTDIR/networks.txt  the same as mxsteerd [networks] file lines ("CIDR REGION")
OUTDIR/q-uniform.bin `steered.example.com MX` with ECS <subnet>/24, each subnet once (dnsperf -B:
                     a 2-byte length, then the query)
OUTDIR/q-uniform-apex.bin  the same for `example.com MX`
OUTDIR/q-zipf.bin    the same, M queries, subnet of rank k drawn with weight 1/k^S
OUTDIR/zipf-counts.tsv  how often each subnet occurs in q-zipf.bin
"""
import random
import struct
import sys

QNAME = "steered.example.com"  # the GeoIP backend cannot steer a name with other records (apex)
REGIONS = [("eu", "DE", "EU"), ("us", "US", "NA"), ("apac", "JP", "AS")]


def name_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qname, qtype, subnet_addr, prefix=24, qid=0):
    hdr = struct.pack(">HHHHHH", qid, 0x0000, 1, 0, 0, 1)
    q = name_wire(qname) + struct.pack(">HH", qtype, 1)
    addr = bytes(int(x) for x in subnet_addr.split("."))[: (prefix + 7) // 8]
    ecs = struct.pack(">HBB", 1, prefix, 0) + addr
    opt_rdata = struct.pack(">HH", 8, len(ecs)) + ecs
    opt = b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(opt_rdata)) + opt_rdata
    return hdr + q + opt


def main():
    args = sys.argv[1:]
    out = args[0]
    n, m, s = 2000, 200000, 1.0
    i = 1
    while i < len(args):
        if args[i] == "--subnets":
            n = int(args[i + 1])
        elif args[i] == "--zipf-queries":
            m = int(args[i + 1])
        elif args[i] == "--zipf-s":
            s = float(args[i + 1])
        i += 2
    subnets = []
    for k in range(n):
        a, b = 1 + k // 250, k % 250
        subnets.append(("127.%d.%d.0" % (a, b),) + REGIONS[k % 3])
    with open(out + "/subnets.tsv", "w") as f:
        for addr, region, country, continent in subnets:
            f.write("%s/24\t%s\t%s\t%s\n" % (addr, region, country, continent))
    with open(out + "/networks.txt", "w") as f:
        for addr, region, _, _ in subnets:
            f.write("%s/24 %s\n" % (addr, region))
    for fname, qname in (("q-uniform.bin", QNAME), ("q-uniform-apex.bin", "example.com")):
        with open(out + "/" + fname, "wb") as f:
            for addr, *_ in subnets:
                w = query(qname, 15, addr)
                f.write(struct.pack(">H", len(w)) + w)
    rng = random.Random(4)
    order = list(range(n))
    rng.shuffle(order)  # popularity rank -> subnet, so regions mix among the popular ones
    weights = [1.0 / (r + 1) ** s for r in range(n)]
    picks = rng.choices(order, weights=weights, k=m)
    counts = [0] * n
    with open(out + "/q-zipf.bin", "wb") as f:
        for k in picks:
            counts[k] += 1
            w = query(QNAME, 15, subnets[k][0])
            f.write(struct.pack(">H", len(w)) + w)
    with open(out + "/zipf-counts.tsv", "w") as f:
        for k in range(n):
            f.write("%s/24\t%s\t%d\n" % (subnets[k][0], subnets[k][1], counts[k]))


if __name__ == "__main__":
    main()
