#!/usr/bin/env python3
"""The man page against the binary and the exit code table (ctest man_page, label cli).

usage: check_man_page.py GPUXFER docs/man/gpuxfer.1 docs/failure.md

Fails, one line per problem, when
  - a long option of `gpuxfer --help` is not an item of GLOBAL OPTIONS, or the reverse;
  - a subcommand has no section under COMMANDS, or a section names no subcommand;
  - a long option of `gpuxfer SUB --help` is not an item of SUB's section, or the reverse
    (--help is documented once, under GLOBAL OPTIONS);
  - `gpuxfer SUB --help` does not repeat every global option (those of `gpuxfer --help` but
    --help and --version) under "Global options", or lists one there that is not global;
  - an option written anywhere in the page is unknown to every --help (a stale mention);
  - an exit code of the "Exit codes" table (docs/failure.md) is not an item of EXIT STATUS, or the
    reverse.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_help  # noqa: E402

_LONG = re.compile(r"--[a-z0-9][a-z0-9-]*")


def plain(roff):
    """A roff line as the reader sees its words: \\- is '-', font escapes dropped."""
    text = re.sub(r"^\.(B|I|BR|BI|IR|RB|IB|RI)\s+", "", roff)  # a font macro, not a word
    text = re.sub(r"\\f[BIRP]", "", text)
    return text.replace("\\-", "-").replace("\\(em", "-")


def man_sections(path):
    """{section: [item tag lines]} and the page's text. Keys: "GLOBAL OPTIONS", "EXIT STATUS",
    "COMMANDS/<sub>", ... An item tag is the line after .TP (also after .TQ)."""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith('.\\"')]
    items, section, subsection = {}, None, None
    for i, line in enumerate(lines):
        if line.startswith(".SH "):
            section, subsection = line[4:].strip().strip('"'), None
            items.setdefault(section, [])
        elif line.startswith(".SS "):
            subsection = line[4:].strip().strip('"')
            items.setdefault(f"{section}/{subsection}", [])
        elif line in (".TP", ".TQ") and i + 1 < len(lines) and section is not None:
            key = f"{section}/{subsection}" if subsection else section
            items[key].append(plain(lines[i + 1]))
    return items, plain("\n".join(lines))


def readme_exit_codes(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Exit codes\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        sys.exit(f"FAIL: {path} has no '## Exit codes' section")
    codes = set()
    for row in m.group(1).splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")] if row.startswith("|") else []
        if cells and re.fullmatch(r"[\d\s/`,]+", cells[0]):
            codes.update(re.findall(r"\d+", cells[0]))
    if not codes:
        sys.exit(f"FAIL: {path}'s 'Exit codes' section has no table of codes")
    return codes


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2])
    binary, man, readme = sys.argv[1:]
    subs, tables, globals_of = cli_help.describe_with_globals(binary)
    help_options = {scope: set(table) for scope, table in tables.items()}
    items, text = man_sections(man)
    problems = []

    def compare(where_help, helped, where_man, documented):
        for opt in sorted(helped - documented):
            problems.append(f"{where_help} prints {opt}, but {where_man} of {man} has no item for it")
        for opt in sorted(documented - helped):
            problems.append(f"{where_man} of {man} documents {opt}, but {where_help} does not print it")

    def item_options(key):
        return {o for tag in items.get(key, []) for o in _LONG.findall(tag)}

    if "GLOBAL OPTIONS" not in items:
        problems.append(f"{man} has no GLOBAL OPTIONS section")
    compare("gpuxfer --help", help_options[""], "GLOBAL OPTIONS", item_options("GLOBAL OPTIONS"))

    shared = help_options[""] - {"--help", "--version"}
    for sub in subs:
        for opt in sorted(shared - globals_of[sub]):
            problems.append(f"gpuxfer {sub} --help does not list the global option {opt} under Global options")
        for opt in sorted(globals_of[sub] - shared):
            problems.append(f"gpuxfer {sub} --help lists {opt} under Global options, which gpuxfer --help does not")

    man_subs = {k.split("/", 1)[1] for k in items if k.startswith("COMMANDS/")}
    for sub in subs:
        if sub not in man_subs:
            problems.append(f"subcommand {sub} (gpuxfer --help) has no '.SS {sub}' under COMMANDS in {man}")
            continue
        compare(f"gpuxfer {sub} --help", help_options[sub] - {"--help"}, f"COMMANDS/{sub}",
                item_options(f"COMMANDS/{sub}"))
    for sub in sorted(man_subs - set(subs)):
        problems.append(f"{man} has a section for '{sub}', which gpuxfer --help does not list")

    known = set().union(*help_options.values())
    for opt in sorted(set(_LONG.findall(text)) - known):
        problems.append(f"{man} mentions {opt}, which no --help of gpuxfer prints")

    readme_codes = readme_exit_codes(readme)
    man_codes = {c for tag in items.get("EXIT STATUS", []) for c in re.findall(r"^\s*(\d+)\s*$", tag)}
    for code in sorted(readme_codes - man_codes, key=int):
        problems.append(f"exit code {code} of {readme}'s table is not an item of EXIT STATUS in {man}")
    for code in sorted(man_codes - readme_codes, key=int):
        problems.append(f"EXIT STATUS of {man} lists {code}, which {readme}'s exit code table does not")

    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        return 1
    count = sum(len(v) for v in help_options.values())
    print(f"ok: {count} options of {len(subs)} subcommands and the top level, "
          f"exit codes {' '.join(sorted(readme_codes, key=int))}, all in {man}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
