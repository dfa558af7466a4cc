#!/usr/bin/env python3
"""Write the roam-shm(1) man page from the tool's own --help text.

usage: man.py CLI > roam-shm.1

The help the tool prints is the one source: this script runs `CLI --help`,
`CLI --version` and `CLI COMMAND --help` for every command the top-level
help lists, and turns that text into roff, word for word:

- the first block ("usage: ...") becomes the SYNOPSIS;
- the first paragraph after it becomes the NAME line;
- a block whose lines are indented two spaces is a list of terms
  ("  --name ARG   what it does", continued by deeper-indented lines);
- a block whose first line ends in ':' is a heading for the list under it;
- any other block is a paragraph.

The output has no date in it: the same tool gives the same page.
"""
import re
import subprocess
import sys


def run(cli, *args):
    out = subprocess.run([cli, *args], check=True, capture_output=True, text=True)
    return out.stdout


def blocks(text):
    """Blank-line separated blocks, each a list of lines."""
    out, cur = [], []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def esc(s):
    """Text as roff: backslashes, minus signs, and no line starting a request."""
    s = s.replace("\\", "\\e").replace("-", "\\-")
    if s.startswith((".", "'")):
        s = "\\&" + s
    return s


TERM = re.compile(r"^  (\S(?:.*?\S)?)(?: {2,}(\S.*))?$")


def is_list(block):
    return all(line.startswith("  ") for line in block)


def render_list(block, out):
    """"  term   description" entries; deeper-indented lines continue the last."""
    for line in block:
        if line.startswith("   ") and out and out[-1] != ".TP":
            out.append(esc(line.strip()))
            continue
        m = TERM.match(line)
        out.append(".TP")
        out.append(".B " + esc(m.group(1)))
        if m.group(2):
            out.append(esc(m.group(2)))


def render_blocks(bs, out):
    for b in bs:
        if b[0].endswith(":") and not b[0].startswith(" ") and len(b) > 1 and is_list(b[1:]):
            out.append(".PP")
            out.append(esc(b[0]))
            render_list(b[1:], out)
        elif is_list(b):
            render_list(b, out)
        else:
            out.append(".PP")
            out.extend(esc(line.strip()) for line in b)


def synopsis(block, out):
    """The usage lines, verbatim (no filling): they are laid out by hand."""
    out.append(".nf")
    for line in block:
        # Continuation lines are indented to follow "usage: "; drop that much.
        out.append(esc(line[len("usage: "):] if line.startswith(("usage: ", " " * 7)) else line))
    out.append(".fi")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: man.py CLI")
    cli = sys.argv[1]
    top = blocks(run(cli, "--help"))
    version = run(cli, "--version").strip()
    if not top or not top[0][0].startswith("usage: "):
        sys.exit("man.py: the top-level help does not start with 'usage: '")
    prog = top[0][0].split()[1]
    description = " ".join(top[1]).rstrip(".")

    # The commands: "commands:" then "  name  summary" lines.
    commands = []
    for b in top:
        if b[0] == "commands:":
            commands = [line.split()[0] for line in b[1:]]
    if not commands:
        sys.exit("man.py: the top-level help lists no commands")

    out = [
        '.TH {} 1 "" "{}" "User Commands"'.format(prog.upper(), esc(version)),
        ".nh",  # no hyphenation and ragged right: the help's words as written
        ".ad l",
        ".SH NAME",
        "{} \\- {}".format(esc(prog), esc(description[0].lower() + description[1:])),
        ".SH SYNOPSIS",
    ]
    synopsis(top[0], out)
    out.append(".SH DESCRIPTION")
    render_blocks(top[1:], out)

    out.append(".SH COMMANDS")
    for name in commands:
        help_blocks = blocks(run(cli, name, "--help"))
        out.append(".SS " + esc(name))
        synopsis(help_blocks[0], out)
        render_blocks(help_blocks[1:], out)

    out.append(".SH SEE ALSO")
    out.append("The roam v7 segment layout reference,")
    out.append(".IR roam_shm_layout.md ,")
    out.append("installed with the library's documentation.")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
