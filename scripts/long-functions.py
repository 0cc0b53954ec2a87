#!/usr/bin/env python3
"""List C functions longer than a limit (default 150 lines), longest first.

    scripts/long-functions.py [--max N] [PATH...]   (default: vault cli helper)

A function runs from its opening brace at the start of a line to the
closing brace at the start of a line, as the project's style writes them.
Exits 1 when any is longer than --max, so CI can hold the line.
"""
import argparse
import os
import re
import sys

NAME = re.compile(r'(\w+)\s*\([^;]*$')


def functions(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if line == "{" and i > 0:
            j = i - 1
            while j > 0 and not NAME.search(lines[j]) and lines[j].strip():
                j -= 1
            m = NAME.search(lines[j])
            start = (i, m.group(1) if m else "?")
        elif line == "}" and start:
            yield start[1], start[0] + 1, i - start[0] + 1
            start = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=150)
    ap.add_argument("--all", action="store_true", help="list every function over 60 lines")
    ap.add_argument("paths", nargs="*", default=["vault", "cli", "helper"])
    a = ap.parse_args()
    found = []
    for top in a.paths:
        for d, _, fs in os.walk(top):
            for f in fs:
                if f.endswith(".c"):
                    p = os.path.join(d, f)
                    found += [(n, p, l, name) for name, l, n in functions(p)]
    found.sort(reverse=True)
    over = [x for x in found if x[0] > a.max]
    for n, p, l, name in (found if a.all else over):
        if n > (60 if a.all else a.max):
            print(f"{n:5d}  {p}:{l}  {name}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
