#!/usr/bin/env python3
# rbclient.py: a raw remote-backend client for robustness.sh, talking to mxsteerd's unix socket.
# SPDX-License-Identifier: MIT
#
# Standard library only (Debian python3-minimal is enough). Every read has a timeout, so a
# server that stalls makes the command fail instead of hanging the test.
#
#   rbclient.py send SOCK KIND
#       Sends one malformed request of KIND (see PAYLOADS and the generated ones below) on a
#       new connection, then prints what came back: "reply: <line>" when a line arrived,
#       then "closed" when the server closed the connection, or "open" when it kept it.
#       Exits 1 when nothing came back within 5 s and the connection stayed open.
#   rbclient.py lookup SOCK QNAME QTYPE
#       initialize + one lookup on a new connection; prints the lookup reply line.
#   rbclient.py stall SOCK
#       Sends half a request line and holds the connection; prints "stalled" once sent and
#       waits until stdin closes, then completes the line and prints the reply.
#   rbclient.py idle SOCK N
#       Opens N connections that send nothing; prints "idle N" once all are connected and
#       waits until stdin closes; then sends a lookup on each and prints "answered M of N".
import json
import os
import resource
import socket
import sys

TIMEOUT = 5.0


def lookup_request(qname, qtype):
    return json.dumps({"method": "lookup", "parameters": {
        "qname": qname, "qtype": qtype, "zone-id": -1, "remote": "127.0.0.1",
        "local": "127.0.0.1", "real-remote": "127.0.0.1/32"}}).encode() + b"\n"


PAYLOADS = {
    "garbage": b"this is not json at all\n",
    "binary": b"\x00\xff\xfe{\x01\x02\n",
    "empty-line": b"\n",
    "truncated": b'{"method": "lookup", "parameters": {"qname": "example.com.", "qty\n',
    "not-object": b'["lookup", {"qname": "example.com."}]\n',
    "null": b"null\n",
    "unknown-method": b'{"method": "noSuchMethod", "parameters": {}}\n',
    "no-method": b'{"parameters": {"qname": "example.com.", "qtype": "SOA"}}\n',
    "method-not-string": b'{"method": 42, "parameters": {}}\n',
    "no-parameters": b'{"method": "lookup"}\n',
    "empty-parameters": b'{"method": "lookup", "parameters": {}}\n',
    "parameters-not-object": b'{"method": "lookup", "parameters": "example.com."}\n',
    "qname-not-string": b'{"method": "lookup", "parameters": {"qname": 5, "qtype": "SOA"}}\n',
    "qtype-missing": b'{"method": "lookup", "parameters": {"qname": "example.com."}}\n',
    "qname-too-long": b'{"method": "lookup", "parameters": {"qname": "'
    + b"a" * 70 + b"." + b"b" * 300 + b'.", "qtype": "SOA"}}\n',
    "list-no-zonename": b'{"method": "list", "parameters": {"domain_id": -1}}\n',
    "domaininfo-no-name": b'{"method": "getDomainInfo", "parameters": {}}\n',
    "metadata-no-name": b'{"method": "getAllDomainMetadata", "parameters": {}}\n',
    "two-requests-one-line": b'{"method": "initialize", "parameters": {}}'
    b'{"method": "initialize", "parameters": {}}\n',
    "invalid-utf8": b'{"method": "lookup", "parameters": {"qname": "\xc3\x28.example.com.", '
    b'"qtype": "SOA"}}\n',
}


def generated(kind):
    if kind == "10mb-line":  # one 10 MB line, a valid JSON string padded with spaces
        return b'{"method": "lookup", "parameters": {"qname": "' + b"a" * (10 << 20) + b'"}}\n'
    if kind == "10mb-no-newline":
        return b"x" * (10 << 20)
    # Nesting bombs under the 64 KiB line cap, so that the JSON parser sees them.
    if kind == "nesting-bomb":  # 20,000 nested arrays, closed: valid JSON, absurd depth
        return b'{"method": "lookup", "parameters": ' + b"[" * 20000 + b"]" * 20000 + b"}\n"
    if kind == "nesting-bomb-objects":  # 9,000 nested objects, closed
        return (b'{"method": "lookup", "parameters": ' + b'{"a":' * 9000 + b"1" + b"}" * 9000
                + b"}\n")
    if kind == "nesting-bomb-open":  # 60,000 arrays, never closed
        return b'{"method": "lookup", "parameters": ' + b"[" * 60000 + b"\n"
    return PAYLOADS[kind]


KINDS = sorted(PAYLOADS) + [
    "10mb-line", "10mb-no-newline", "nesting-bomb", "nesting-bomb-objects", "nesting-bomb-open"]


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(path)
    return s


def read_line(s, buf=b""):
    """Returns (line or None, closed)."""
    while b"\n" not in buf:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return (buf or None), True
        if not chunk:
            return (buf or None), True
        buf += chunk
    return buf.split(b"\n", 1)[0], False


def send_all_tolerant(s, data):
    """Sends what the server accepts; a server that closes early is an answer, not an error."""
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return False
    except socket.timeout:
        return False
    return True


def cmd_send(path, kind):
    s = connect(path)
    send_all_tolerant(s, generated(kind))
    line, closed = read_line(s)
    if line is not None:
        print("reply: " + line.decode("utf-8", "replace")[:300])
    if not closed:
        # Replied and kept the connection: it must still be usable (or closed right after).
        s.settimeout(0.1)
        try:
            more = s.recv(1)
            closed = not more
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
    print("closed" if closed else "open")
    if line is None and not closed:
        return 1
    return 0


def do_lookup(s, qname, qtype):
    s.sendall(b'{"method": "initialize", "parameters": {"path": "rbclient"}}\n')
    line, closed = read_line(s)
    if line is None or closed:
        raise SystemExit("no reply to initialize")
    s.sendall(lookup_request(qname, qtype))
    line, closed = read_line(s)
    if line is None:
        raise SystemExit("no reply to lookup")
    return line.decode()


def cmd_lookup(path, qname, qtype):
    s = connect(path)
    print(do_lookup(s, qname, qtype))
    return 0


def cmd_stall(path):
    s = connect(path)
    req = lookup_request("example.com.", "SOA")
    s.sendall(req[: len(req) // 2])
    print("stalled", flush=True)
    sys.stdin.read()
    s.sendall(req[len(req) // 2:])
    line, _ = read_line(s)
    print("reply after stall: " + (line.decode() if line else "<none>"))
    return 0


def cmd_idle(path, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
    conns = [connect(path) for _ in range(n)]
    print(f"idle {len(conns)}", flush=True)
    sys.stdin.read()
    ok = 0
    for s in conns:
        try:
            if '"qtype":"SOA"' in do_lookup(s, "example.com.", "SOA").replace(" ", ""):
                ok += 1
        except (OSError, SystemExit):
            pass
    print(f"answered {ok} of {n}")
    return 0 if ok == n else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "send":
        if argv[2] not in KINDS:
            raise SystemExit(f"unknown kind {argv[2]}; kinds: {' '.join(KINDS)}")
        return cmd_send(argv[1], argv[2])
    if len(argv) == 1 and argv[0] == "kinds":
        print("\n".join(KINDS))
        return 0
    if len(argv) == 4 and argv[0] == "lookup":
        return cmd_lookup(argv[1], argv[2], argv[3])
    if len(argv) == 2 and argv[0] == "stall":
        return cmd_stall(argv[1])
    if len(argv) == 3 and argv[0] == "idle":
        return cmd_idle(argv[1], int(argv[2]))
    print(__doc__ or "usage: see the header of rbclient.py", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
