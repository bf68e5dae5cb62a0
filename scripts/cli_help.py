"""What gpuxfer's --help says: subcommands and long options, parsed from CLI11's help layout.

Shared by the tests that hold the man page and the shell completions to the binary
(check_man_page.py, check_bash_completion.py), so the three cannot drift apart.
"""

import re
import subprocess
import sys

# An option line of CLI11's help: two spaces, then the names joined by commas ("-o,--output TEXT").
_OPTION_LINE = re.compile(r"^  (-[A-Za-z0-9],)*(--[a-z0-9][a-z0-9-]*)(,--[a-z0-9][a-z0-9-]*)*(\s|$)")
_LONG = re.compile(r"--[a-z0-9][a-z0-9-]*")
_SECTION = re.compile(r"^([A-Z][A-Za-z ]*):\s*$")
# A subcommand's help repeats the top level's options under this heading (src/cli/context.cpp).
GLOBAL_SECTION = "Global options"


def run_help(binary, *args):
    """stdout of `binary [args] --help`; a non-zero exit is a failure of the help itself."""
    proc = subprocess.run([binary, *args, "--help"], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        sys.exit(f"FAIL: `{' '.join([binary, *args, '--help'])}` exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout


def sections(text):
    """Help text -> {section title: [lines]} ("Options", "Subcommands", "Positionals")."""
    out, current = {}, None
    for line in text.splitlines():
        m = _SECTION.match(line)
        if m:
            current = m.group(1)
            out[current] = []
        elif current is not None:
            if not line.strip():
                current = None  # a section ends at its first blank line
            else:
                out[current].append(line)
    return out


def option_table(text, section=None):
    """{long option: takes a value} for the options a help text defines: those of every option
    group ("Options", "What to run", ...) but the repeated global ones, or those of `section`
    only. Only the name column is read, never the descriptions. CLI11 prints an option's type one
    space after its names ("--suites TEXT"), its default after "=" ("--dtype TEXT=f32"), and a
    flag's constraints there too ("--quick Excludes: --full")."""
    table = {}
    lines = []
    for title, body in sections(text).items():
        if (section is None and title != GLOBAL_SECTION) or title == section:
            lines += body
    for line in lines:
        if _OPTION_LINE.match(line):
            # The name column ends at the first run of two spaces: names, type, constraints.
            column = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0].split()
            head, rest = column[0], column[1:]
            for i, word in enumerate(rest):
                if word in ("Excludes:", "Needs:"):  # other options named, not a type
                    rest = rest[:i]
                    break
            takes_value = bool(rest)
            for name in _LONG.findall(head):
                table[name] = takes_value
    return table


def long_options(text):
    """The long option names a help text defines."""
    return set(option_table(text))


def subcommands(text):
    """Subcommand names listed under "Subcommands:"."""
    return [line.split()[0] for line in sections(text).get("Subcommands", []) if line.startswith("  ")
            and not line.startswith("   ")]


def describe(binary):
    """{"": top-level long options, sub: its long options} plus the list of subcommands."""
    subs, tables = describe_tables(binary)
    return subs, {scope: set(table) for scope, table in tables.items()}


def describe_tables(binary):
    """As describe(), with each scope's option_table() (which options take a value)."""
    subs, tables, _ = describe_with_globals(binary)
    return subs, tables


def describe_with_globals(binary):
    """As describe_tables(), plus {sub: the options its help lists under "Global options"}."""
    top = run_help(binary)
    subs = subcommands(top)
    if not subs:
        sys.exit("FAIL: `gpuxfer --help` lists no subcommands (help layout changed?)")
    tables = {"": option_table(top)}
    globals_of = {}
    for sub in subs:
        text = run_help(binary, sub)
        tables[sub] = option_table(text)
        globals_of[sub] = set(option_table(text, GLOBAL_SECTION))
        if "--help" not in tables[sub]:
            sys.exit(f"FAIL: `gpuxfer {sub} --help` parsed without --help (help layout changed?)")
    return subs, tables, globals_of
