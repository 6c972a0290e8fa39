#!/usr/bin/env python3
"""fake_smtp.py ADDRESS PORT: a minimal SMTP listener for the e2e failover test.

Greets with a 220 banner, answers EHLO with a multi-line 250 (no STARTTLS), QUIT with 221 and
anything else with 502. It takes no mail. Runs until killed; one thread per connection.
SPDX-License-Identifier: MIT
"""
import socket
import sys
import threading


def serve(conn):
    with conn:
        conn.settimeout(30)
        conn.sendall(b"220 fake.example ESMTP ready\r\n")
        buffer = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                command = line.strip().upper()
                if command.startswith(b"EHLO") or command.startswith(b"HELO"):
                    conn.sendall(b"250-fake.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                elif command.startswith(b"QUIT"):
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not implemented\r\n")


def main():
    address, port = sys.argv[1], int(sys.argv[2])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(64)
    print(f"listening on {address}:{port}", flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
