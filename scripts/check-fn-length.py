#!/usr/bin/env python3
"""No function under shared/ longer than 60 lines, except the declarative tables listed below.

Counts each `fn` from its signature line to its closing brace (comments and blank lines
included: what a reader scrolls through). `--top N` prints the N longest. Exits 1 naming every
function over the limit."""
import pathlib
import re
import sys

LIMIT = 60
ROOTS = ["shared"]
# Declarative tables: one arm or row per case, nothing to split.
TABLES = {
    ("shared/http/src/error.rs", "message"),
}
FN = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)")


def strip(line):
    """The line without string/char literals and // comments (good enough for brace counting)."""
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(?:\\.|[^'\\])'", "''", line)
    return line.split("//", 1)[0]


def functions(path):
    lines = path.read_text().split("\n")
    i = 0
    while i < len(lines):
        m = FN.match(lines[i])
        if not m:
            i += 1
            continue
        depth, opened, j = 0, False, i
        while j < len(lines):
            s = strip(lines[j])
            if not opened and ";" in s and "{" not in s:
                break  # a declaration without a body (trait method)
            depth += s.count("{") - s.count("}")
            opened = opened or "{" in s
            if opened and depth <= 0:
                yield m.group(1), i + 1, j - i + 1
                break
            j += 1
        i += 1


def main():
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 0
    repo = pathlib.Path(__file__).resolve().parent.parent
    found = []
    for root in ROOTS:
        for path in sorted((repo / root).rglob("*.rs")):
            rel = path.relative_to(repo).as_posix()
            if "/target/" in rel:
                continue
            for name, line, length in functions(path):
                found.append((length, rel, line, name))
    found.sort(reverse=True)
    for length, rel, line, name in found[:top]:
        table = " (table)" if (rel, name) in TABLES else ""
        print(f"{length:4} {rel}:{line} {name}{table}")
    over = [f for f in found if f[0] > LIMIT and (f[1], f[3]) not in TABLES]
    for length, rel, line, name in over:
        print(f"check-fn-length: {rel}:{line} fn {name} is {length} lines (limit {LIMIT})")
    if not over:
        print(f"check-fn-length: {len(found)} functions under {', '.join(ROOTS)}/, none over {LIMIT} lines but the tables")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
