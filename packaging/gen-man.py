#!/usr/bin/env python3
"""A manual page from one of the project's Markdown pages (docs/commands/*.md,
docs/service.md): the page is the one source, so that `man casevault-file`
and docs/commands/file.md cannot drift apart (docs/install.md, "Manual pages").

  gen-man.py SOURCE.md OUT NAME SECTION VERSION DATE GO-MD2MAN [WHAT]

The page's first heading becomes the NAME section (NAME - the first sentence
of its first paragraph, the heading's words after a colon, or WHAT), its "## "
sections become the page's sections, and its links to other pages become
manual page references (docs/commands/file.md: casevault-file(1)) or the
installed documentation (/usr/share/doc/casevault/...).  Writes OUT (troff)
and OUT.gz (for installing; no time stamp, so that builds are reproducible).
"""
import gzip
import os
import re
import subprocess
import sys

DOCDIR = "/usr/share/doc/casevault"
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def man_ref(src_dir, target):
    """What a link from a page in src_dir to target becomes in a manual page."""
    if re.match(r"[a-z]+:", target):
        return target
    path = target.split("#", 1)[0]
    if not path:
        return None  # a section of this page
    full = os.path.normpath(os.path.join(src_dir, path))
    base = os.path.basename(full)
    if os.path.basename(os.path.dirname(full)) == "commands" and base.endswith(".md"):
        return "casevault(1)" if base == "README.md" else "casevault-%s(1)" % base[:-3]
    if base == "service.md":
        return "casevaultd(8)"
    return "%s/%s" % (DOCDIR, base)


def plain(text):
    """Markdown inline text as plain words (for the NAME line)."""
    text = LINK.sub(r"\1", text)
    return re.sub(r"[`*_]", "", text).strip()


def name_line(lines, name, what=None):
    """NAME - what it does: the heading's words after a colon, else the first sentence."""
    head = lines[0][2:].strip()
    if what:
        pass
    elif ":" in head:
        what = head.split(":", 1)[1]
    else:
        para = []
        for ln in lines[1:]:
            if not ln.strip():
                if para:
                    break
                continue
            para.append(ln.strip())
        what = re.split(r"(?<=[.!?])\s", " ".join(para), maxsplit=1)[0]
    what = plain(what).rstrip(".")
    what = what[:1].lower() + what[1:] if what[1:2].islower() else what
    return "%s \\- %s" % (name, what)


def table_row(ln):
    """A Markdown table's row as a list item: go-md2man's tables break when a cell wraps."""
    cells = [c.strip() for c in ln.strip().strip("|").split("|")]
    if all(re.fullmatch(r":?-+:?", c) for c in cells):
        return None  # the line under the header
    return "- " + cells[0] + (": " + "; ".join(c for c in cells[1:] if c) if len(cells) > 1 else "")


def convert(src, name, section, version, date, what=None):
    with open(src, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if not lines or not lines[0].startswith("# "):
        sys.exit("gen-man.py: %s does not start with a '# ' heading" % src)
    src_dir = os.path.dirname(os.path.abspath(src))
    out = ['%% %s %s "%s" "casevault %s" "casevault manual"' % (name.upper(), section, date, version),
           "", "# NAME", "", name_line(lines, name, what), ""]
    fence = False
    header = False
    for ln in lines[1:]:
        if not fence and ln.startswith("|"):
            if not header:  # a table's header row names its columns: dropped
                header = True
                continue
            ln = table_row(ln)
            if ln is None:
                continue
        else:
            header = False
        if ln.startswith("```"):
            fence = not fence
        elif not fence and ln.startswith("## "):
            ln = "# " + ln[3:].upper()
        elif not fence and ln.startswith("### "):
            ln = "## " + ln[4:]
        if not fence:
            ln = LINK.sub(lambda m: link_text(src_dir, m), ln)
            # go-md2man keeps the source's lines, and troff reads a line that starts
            # with '.' or "'" ("... the line", "'casevault'") as a request: join it
            if ln.lstrip()[:1] in (".", "'") and out and out[-1].strip():
                out[-1] = out[-1] + " " + ln.lstrip()
                continue
        out.append(ln)
    return "\n".join(out) + "\n"


def link_text(src_dir, m):
    text, ref = m.group(1), man_ref(src_dir, m.group(2))
    if ref is None or plain(text) == ref:
        return text
    if re.fullmatch(r"[\w./-]+\.md", plain(text)):
        return ref  # a link that names its file: the reference alone
    return "%s (%s)" % (text, ref)


def main():
    src, out, name, section, version, date, tool = sys.argv[1:8]
    md = convert(src, name, section, version, date, sys.argv[8] if len(sys.argv) > 8 else None)
    troff = subprocess.run([tool], input=md.encode(), stdout=subprocess.PIPE, check=True).stdout
    with open(out, "wb") as f:
        f.write(troff)
    with open(out + ".gz", "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                      compresslevel=9, mtime=0) as gz:
        gz.write(troff)


if __name__ == "__main__":
    main()
