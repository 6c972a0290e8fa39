#!/usr/bin/env python3
"""wakeup.py OUT: a starvation meter for bench/health. Sleeps 10 ms in a loop and appends one
line per second to OUT: "<unix ms> <largest oversleep in that second, ms>". Pinned (taskset) to
the CPU the measured servers run on, it shows how long a thread that wakes from a timer (like
the prober's) waits for that CPU. Runs until killed.
SPDX-License-Identifier: MIT
"""
import sys
import time


def main():
    with open(sys.argv[1], "a", buffering=1) as out:
        worst, second = 0.0, time.monotonic() + 1.0
        while True:
            t = time.monotonic()
            time.sleep(0.01)
            now = time.monotonic()
            worst = max(worst, now - t - 0.01)
            if now >= second:
                out.write(f"{time.time_ns() // 1_000_000} {worst * 1000:.0f}\n")
                worst, second = 0.0, now + 1.0


if __name__ == "__main__":
    main()
