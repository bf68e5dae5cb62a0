#!/usr/bin/env python3
"""The bash completion against the binary (ctest bash_completion, label cli).

usage: check_bash_completion.py GPUXFER completions/gpuxfer.bash

Sources the completion in `bash -c` (an empty folder as the working directory, so file names
never enter the answers), sets COMP_WORDS/COMP_CWORD, calls the function `complete -p gpuxfer`
names and reads COMPREPLY. Fails, one line per problem, when
  - `gpuxfer <TAB>` does not offer exactly the subcommands of `gpuxfer --help`;
  - `gpuxfer --<TAB>` does not offer exactly the long options of `gpuxfer --help`;
  - `gpuxfer SUB --<TAB>` does not offer exactly SUB's long options plus the global ones
    (those of `gpuxfer --help` but --version, which only precedes a subcommand);
  - after an option, the completion does not know whether it takes a value as --help says:
    `gpuxfer [SUB] OPT --<TAB>` must offer the options again after a flag, and none of them
    after an option that takes a value (the word is that value).
"""

import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_help  # noqa: E402

TOP_ONLY = {"--version"}


def complete_all(completion, cases):
    """{case name: set(COMPREPLY)} for cases {name: words}, the cursor on the last word."""
    lines = [
        "set -u",
        f"source {shlex.quote(completion)}",
        "spec=$(complete -p gpuxfer) || { echo 'NO-SPEC'; exit 0; }",
        "fn=$(sed -n 's/.*-F \\([^ ]*\\).*/\\1/p' <<<\"$spec\")",
        "[[ -n $fn ]] || { echo 'NO-FUNCTION'; exit 0; }",
    ]
    for name, words in cases.items():
        lines += [
            f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)})",
            "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))",
            "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}",
            "COMPREPLY=()",
            '"$fn" gpuxfer "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
            f"echo {shlex.quote('### ' + name)}",
            'printf "%s\\n" "${COMPREPLY[@]}"',
        ]
    with tempfile.TemporaryDirectory() as empty:
        proc = subprocess.run(["bash", "-c", "\n".join(lines)], cwd=empty, capture_output=True,
                              text=True, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"FAIL: sourcing or calling {completion} in bash exited {proc.returncode}: "
                 f"{proc.stderr.strip()}")
    if proc.stdout.startswith("NO-SPEC") or proc.stdout.startswith("NO-FUNCTION"):
        sys.exit(f"FAIL: {completion} does not register a function for gpuxfer (complete -F)")
    results, current = {}, None
    for line in proc.stdout.splitlines():
        if line.startswith("### "):
            current = line[4:]
            results[current] = set()
        elif current is not None and line:
            results[current].add(line)
    missing = set(cases) - set(results)
    if missing:
        sys.exit(f"FAIL: no answer from {completion} for {sorted(missing)}: {proc.stderr.strip()}")
    return results


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    binary, completion = sys.argv[1], os.path.abspath(sys.argv[2])
    subs, tables = cli_help.describe_tables(binary)
    top = set(tables[""])
    after_sub = {sub: set(tables[sub]) | (top - TOP_ONLY) for sub in subs}

    cases, expected = {}, {}
    cases["gpuxfer <TAB>"] = ["gpuxfer", ""]
    expected["gpuxfer <TAB>"] = set(subs)
    cases["gpuxfer --<TAB>"] = ["gpuxfer", "--"]
    expected["gpuxfer --<TAB>"] = top
    for sub in subs:
        cases[f"gpuxfer {sub} --<TAB>"] = ["gpuxfer", sub, "--"]
        expected[f"gpuxfer {sub} --<TAB>"] = after_sub[sub]
    value_cases = {}
    for scope, table in tables.items():
        prefix = ["gpuxfer"] + ([scope] if scope else [])
        offered = after_sub[scope] if scope else top
        for opt, takes_value in table.items():
            if opt in ("--help", "--version"):
                continue  # both end the command; nothing follows them
            name = " ".join(prefix + [opt, "--<TAB>"])
            cases[name] = prefix + [opt, "--"]
            value_cases[name] = (takes_value, offered)

    got = complete_all(completion, cases)
    problems = []
    for name, want in expected.items():
        for word in sorted(want - got[name]):
            problems.append(f"`{name}` does not offer {word}, which --help prints")
        for word in sorted(got[name] - want):
            problems.append(f"`{name}` offers {word}, which --help does not print there")
    for name, (takes_value, offered) in value_cases.items():
        if takes_value and got[name] & offered:
            problems.append(f"`{name}` offers options, but --help says the option before takes a value")
        if not takes_value and got[name] != offered:
            problems.append(f"`{name}` does not offer the options again, but --help says the option "
                            f"before is a flag")

    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        return 1
    print(f"ok: {len(cases)} completions agree with --help ({len(subs)} subcommands, "
          f"{sum(len(t) for t in tables.values())} options)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
