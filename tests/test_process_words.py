#!/usr/bin/env python3
"""No words about how the tree was developed in the tree (ctest process_words, label unit).

  python3 tests/test_process_words.py [ROOT]

Reads every file `git ls-files` lists (its path and, unless it is binary, its text) and fails, one
line per hit (path:line: the words), when one of the patterns below occurs. The tree speaks of the
product: its machines by what they are, its changes by what they do. Exceptions are listed below,
each as narrow as one kind of line in one kind of file. Exit 0 clean, 1 hits, 77 (ctest: skipped)
when git or the repository is not there.
"""
import os
import re
import subprocess
import sys

# Written so that this file does not match itself: [e] is just e, \x20 a space.
PATTERNS = [
    (r"\bs[e]ssions?\b", "a word of the development process"),
    (r"\bl[e]nt\b", "a word of the development process"),
    (r"\bnvidia-[h][0-9]+[a-z0-9]*(-x[0-9]+)?\b", "a machine-kind name: say what the machine is (4× H200, driver ...)"),
    (r"\bserved\x20as\b", "a word of the development process"),
    (r"\bone\x20call\b", "a word of the development process"),
    (r"\bclosing\x20note\b", "a word of the development process"),
    (r"\biss[u]es?\x20#?[0-9]+\b", "a reference to a numbered issue: say what the change does"),
    (r"\bh[e]lpers?\b", "a word of the development process"),
]
COMPILED = [(re.compile(p, re.IGNORECASE), why) for p, why in PATTERNS]


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"test_process_words.py: SKIP: no git repository at {root} ({exc})")
        return 77
    paths = [p.decode("utf-8", "replace") for p in out.split(b"\0") if p]
    hits = 0
    for path in paths:
        for rx, why in COMPILED:
            m = rx.search(path)
            if m:
                print(f"{path}: file name: '{m.group(0)}': {why}")
                hits += 1
        full = os.path.join(root, path)
        if not os.path.isfile(full):
            continue  # deleted in the work tree, or a submodule
        with open(full, "rb") as f:
            data = f.read()
        if b"\0" in data[:8192]:
            continue  # binary (images)
        text = data.decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), 1):
            for rx, why in COMPILED:
                m = rx.search(line)
                if m:
                    print(f"{path}:{number}: '{m.group(0)}': {why}")
                    hits += 1
    if hits:
        print(f"test_process_words.py: {hits} hit(s) in {len(paths)} tracked files")
        return 1
    print(f"test_process_words.py: {len(paths)} tracked files clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
