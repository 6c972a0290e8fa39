#!/usr/bin/env python3
# httpclient.py: a raw HTTP client for robustness.sh, talking to mxsteerd's http connector.
# SPDX-License-Identifier: MIT
#
# Standard library only (Debian python3-minimal is enough); no http.client, so that broken
# requests go out byte for byte. Every read has a timeout, so a server that stalls makes the
# command fail instead of hanging the test. ADDR is HOST:PORT (127.0.0.1:8053).
#
#   httpclient.py send ADDR KIND
#       Sends one malformed request of KIND (see KINDS) on a new connection, then prints what
#       came back: "reply: <status line> <body>" when a response arrived, then "closed" when
#       the server closed the connection, or "open" when it kept it. Exits 1 when nothing came
#       back within 10 s and the connection stayed open.
#   httpclient.py lookup ADDR QNAME QTYPE
#       One lookup in pdns's REST form on a new connection; prints the response body.
#   httpclient.py stall ADDR
#       Sends half a request head and holds the connection; prints "stalled" once sent and
#       waits until stdin closes, then completes the request and prints "reply after stall:
#       <status line> <body>".
#   httpclient.py timeout ADDR
#       Sends half a request head and waits (up to 30 s) for the server to give up; prints
#       "reply: <status line> <body>" and "closed" or "open", and the seconds it took.
#   httpclient.py idle ADDR N
#       Opens N connections that send nothing; prints "idle N" once all are connected and
#       waits until stdin closes; then sends a lookup on each and prints "answered M of N".
import resource
import socket
import sys
import time

TIMEOUT = 10.0


def lookup_request(qname, qtype, extra_headers=""):
    escaped = "".join(c if c.isalnum() else "%%%02x" % ord(c) for c in qname)
    return ("GET /dns/lookup/%s/%s HTTP/1.1\r\nAccept: application/json\r\n"
            "Connection: Keep-Alive\r\nHost: 127.0.0.1\r\nUser-Agent: YaHTTP v1.0\r\n"
            "X-Remotebackend-Local: 127.0.0.1\r\nX-Remotebackend-Real-Remote: 127.0.0.1/32\r\n"
            "X-Remotebackend-Remote: 127.0.0.1\r\nX-Remotebackend-Zone-Id: -1\r\n%s\r\n"
            % (escaped, qtype, extra_headers)).encode()


def post(target, body, content_type, extra=""):
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n%s\r\n" % (target, content_type, len(body), extra)).encode() + body


JSON = "text/javascript; charset=utf-8"
FORM = "application/x-www-form-urlencoded; charset=utf-8"

PAYLOADS = {
    "garbage": b"this is not http at all\r\n\r\n",
    "binary": b"\x00\xff\xfe{\x01\x02\r\n\r\n",
    "empty-lines": b"\r\n" * 20000,
    "http2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "http-0.9": b"GET /dns/lookup/a%2e/ANY\r\n\r\n",
    "no-host": b"GET /dns/lookup/a%2e/ANY HTTP/1.1\r\n\r\n",
    "bad-header": b"GET /dns/lookup/a%2e/ANY HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    "folded-header": b"GET /dns/lookup/a%2e/ANY HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n",
    "header-20kb": b"GET /dns/lookup/a%2e/ANY HTTP/1.1\r\nHost: x\r\nX-Big: "
    + b"a" * 20000 + b"\r\n\r\n",
    "many-headers": b"GET /dns/lookup/a%2e/ANY HTTP/1.1\r\nHost: x\r\n" + b"A: b\r\n" * 500
    + b"\r\n",
    "chunked": b"POST /dns HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\n",
    "two-lengths": b"POST /dns HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3"
    b"\r\n\r\n{}",
    "bad-length": b"POST /dns HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    "huge-length": b"POST /dns HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999"
    b"\r\n\r\n",
    "options": b"OPTIONS /dns/lookup/a%2e/ANY HTTP/1.1\r\nHost: x\r\n\r\n",
    "put-lookup": b"PUT /dns/lookup/a%2e/ANY HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    "unknown-path": b"GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n",
    "lookup-wrong-arity": b"GET /dns/lookup/a%2e HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad-percent": b"GET /dns/lookup/a%zz/ANY HTTP/1.1\r\nHost: x\r\n\r\n",
    "zone-id-not-int": lookup_request("example.com.", "SOA").replace(
        b"Zone-Id: -1", b"Zone-Id: one"),
    "json-garbage": post("/dns", b"{this is not json", JSON),
    "json-truncated": post("/dns", b'{"method": "lookup", "parameters": {"qname": "a.", "qt', JSON),
    "json-unknown-method": post("/dns", b'{"method": "noSuchMethod", "parameters": {}}', JSON),
    "json-two-requests": post("/dns", b'{"method": "initialize"}{"method": "initialize"}', JSON),
    "json-nesting-bomb": post("/dns", b'{"method": "lookup", "parameters": ' + b"[" * 20000
                              + b"]" * 20000 + b"}", JSON),
    "form-not-object": post("/dns/lookup", b"parameters=%5b%5d", FORM),
    "form-injection": post("/dns/lookup", b'parameters={"qname":"a.","qtype":"A"},'
                           b'"method":"initialize"', FORM),
    "form-no-parameters": post("/dns/lookup", b"x=1", FORM),
    "wrong-content-type": post("/dns", b'{"method": "initialize"}', "text/plain"),
    "body-70kb": post("/dns", b'{"method": "lookup", "parameters": {"qname": "'
                      + b"a" * 70000 + b'"}}', JSON),
    "body-10mb": post("/dns", b"x" * (10 << 20), JSON),
    "head-10mb-no-end": b"GET /" + b"x" * (10 << 20),
}

KINDS = sorted(PAYLOADS)


def parse_addr(addr):
    host, _, port = addr.rpartition(":")
    return host.strip("[]"), int(port)


def connect(addr, timeout=TIMEOUT):
    s = socket.create_connection(parse_addr(addr), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s, buf=b""):
    """Returns (status line, body, rest, closed); status None when nothing complete came."""
    closed = False
    while b"\r\n\r\n" not in buf:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            return None, buf, b"", True
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(rest) < length:
        try:
            chunk = s.recv(65536)
        except (ConnectionResetError, socket.timeout):
            chunk = b""
        if not chunk:
            closed = True
            break
        rest += chunk
    return lines[0], rest[:length], rest[length:], closed


def still_open(s):
    s.settimeout(0.2)
    try:
        return s.recv(1) != b""
    except socket.timeout:
        return True
    except (ConnectionResetError, OSError):
        return False


def send_tolerant(s, data):
    """Sends what the server accepts; a server that closes early is an answer, not an error."""
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        return False
    return True


def show(status, body):
    return "reply: %s %s" % (status, body.decode("utf-8", "replace").rstrip("\n")[:300])


def cmd_send(addr, kind):
    s = connect(addr)
    send_tolerant(s, PAYLOADS[kind])
    status, body, _, closed = read_response(s)
    if status is not None:
        print(show(status, body))
    if not closed:
        closed = not still_open(s)
    print("closed" if closed else "open")
    return 1 if status is None and not closed else 0


def do_lookup(s, qname, qtype):
    s.sendall(lookup_request(qname, qtype))
    status, body, _, _ = read_response(s)
    if status is None:
        raise SystemExit("no reply to lookup")
    return status, body.decode().rstrip("\n")


def cmd_lookup(addr, qname, qtype):
    status, body = do_lookup(connect(addr), qname, qtype)
    if not status.startswith("HTTP/1.1 200 "):
        raise SystemExit("lookup: " + status)
    print(body)
    return 0


def cmd_stall(addr):
    s = connect(addr)
    req = lookup_request("example.com.", "SOA")
    s.sendall(req[: len(req) // 2])
    print("stalled", flush=True)
    sys.stdin.read()
    s.sendall(req[len(req) // 2:])
    status, body, _, _ = read_response(s)
    print("reply after stall: "
          + ("%s %s" % (status, body.decode().rstrip("\n")) if status else "<none>"))
    return 0


def cmd_timeout(addr):
    s = connect(addr, timeout=30.0)
    req = lookup_request("example.com.", "SOA")
    t0 = time.monotonic()
    s.sendall(req[: len(req) // 2])
    status, body, _, closed = read_response(s)
    took = time.monotonic() - t0
    if status is not None:
        print(show(status, body))
    if not closed:
        closed = not still_open(s)
    print("closed" if closed else "open")
    print("after %.1f s" % took)
    return 0


def cmd_idle(addr, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 256), hard))
    conns = [connect(addr) for _ in range(n)]
    print(f"idle {len(conns)}", flush=True)
    sys.stdin.read()
    ok = 0
    for s in conns:
        try:
            status, body = do_lookup(s, "example.com.", "SOA")
            if status.startswith("HTTP/1.1 200 ") and '"qtype":"SOA"' in body:
                ok += 1
        except (OSError, SystemExit):
            pass
    print(f"answered {ok} of {n}")
    return 0 if ok == n else 1


def main(argv):
    if len(argv) == 3 and argv[0] == "send":
        if argv[2] not in PAYLOADS:
            raise SystemExit(f"unknown kind {argv[2]}; kinds: {' '.join(KINDS)}")
        return cmd_send(argv[1], argv[2])
    if len(argv) == 1 and argv[0] == "kinds":
        print("\n".join(KINDS))
        return 0
    if len(argv) == 4 and argv[0] == "lookup":
        return cmd_lookup(argv[1], argv[2], argv[3])
    if len(argv) == 2 and argv[0] == "stall":
        return cmd_stall(argv[1])
    if len(argv) == 2 and argv[0] == "timeout":
        return cmd_timeout(argv[1])
    if len(argv) == 3 and argv[0] == "idle":
        return cmd_idle(argv[1], int(argv[2]))
    print("usage: see the header of httpclient.py", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
