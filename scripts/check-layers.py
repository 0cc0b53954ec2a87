#!/usr/bin/env python3
"""Check that casevault's layers only look down (docs/architecture.md, Layers).

    base  ->  crypto  ->  formats  ->  rules  ->  store  ->  core  ->  ops  ->  cli  ->  service

A file may include headers of its own layer and of the layers below it.
(crypto sits below rules because a policy's identity is its SHA-256; formats
uses base only and sits below rules so that the rules and the bundle can read documents.)  The public API
(vault/include/casevault/*.h) declares types every layer uses and may be
included anywhere; the CLI includes nothing else of the library.  The
service (service/, casevaultd) runs the CLI's command table: it may include
cli/ headers and the public API, and nothing may include it.

Two checks, each failing with one line per problem:
  includes  every #include "..." in vault/ and cli/ (always);
  calls     with --objects BUILD_DIR: every symbol an object file of the
            library or of the document formats module uses (nm) must be
            defined in its own layer or below, so that a call through a
            public header cannot go up unseen.
With --libraries, each library stays in its layer, the format libraries in
the document formats module (casevault-formats.so) alone: the library's
objects call none of them, the module exports its table only, and the
programs (casevault-direct, casevaultd) do not load them at start-up.
Both also fail on a cycle between modules (a module is one .c and its .h).
"""
import argparse
import os
import re
import subprocess
import sys

LEVEL = {"base": 0, "crypto": 1, "formats": 2, "rules": 3, "store": 4, "core": 5, "ops": 6, "cli": 7, "service": 8}
# Libraries each confined to one layer: SQL in store, OpenPGP and libgcrypt in
# crypto, the document format libraries (MuPDF, libxml2, GMime, gexiv2) in formats.
CONFINED = {"sqlite3_": "store", "gpgme_": "crypto", "gcry_": "crypto",
            "fz_": "formats", "pdf_": "formats", "xml": "formats", "html": "formats",
            "g_mime_": "formats", "gexiv2_": "formats"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    """'vault/core/audit.c' -> 'core'; 'cli/main.c' -> 'cli'; None elsewhere."""
    parts = path.split(os.sep)
    if parts[0] in ("cli", "service"):
        return parts[0]
    if parts[0] == "vault" and len(parts) > 2 and parts[1] in LEVEL:
        return parts[1]
    return None


def module_of(path):
    return os.path.splitext(path)[0]


def may_use(src, dst):
    return LEVEL[dst] <= LEVEL[src]


def sources(root):
    for top in ("vault", "cli", "service"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    full = os.path.join(dirpath, f)
                    yield os.path.relpath(full, root)


def resolve(root, src, inc):
    """The repository path an include names, or None for the public API."""
    if inc.startswith("casevault/"):
        return None
    for base in (os.path.dirname(src), "vault") + (("cli",) if src.startswith("service" + os.sep) else ()):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.exists(os.path.join(root, cand)):
            return cand
    return "?" + inc


def find_cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(n):
        index[n] = low[n] = counter[0]
        counter[0] += 1
        stack.append(n)
        on.add(n)
        for m in sorted(edges.get(n, ())):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in on:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            comp = []
            while True:
                m = stack.pop()
                on.discard(m)
                comp.append(m)
                if m == n:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for n in sorted(edges):
        if n not in index:
            visit(n)
    return out


def check_includes(root):
    problems, edges = [], {}
    for src in sources(root):
        lsrc = layer_of(src)
        if lsrc is None:
            if not src.startswith(os.path.join("vault", "include")):
                problems.append(f"{src}: not in a layer folder (vault/base, crypto, formats, rules, store, core, ops)")
            continue
        text = open(os.path.join(root, src), encoding="utf-8").read()
        for inc in INCLUDE.findall(text):
            dst = resolve(root, src, inc)
            if dst is None:
                continue
            if dst.startswith("?"):
                problems.append(f"{src}: includes \"{inc}\", which is not a file of the repository")
                continue
            ldst = layer_of(dst)
            if ldst is None:
                problems.append(f"{src}: includes {dst}, which is in no layer")
            elif lsrc == "cli" and ldst != "cli":
                problems.append(f"{src}: the CLI includes {dst}; it may use only the public API (casevault/*.h)")
            elif lsrc == "service" and ldst not in ("cli", "service"):
                problems.append(f"{src}: the service includes {dst}; it may use only cli/ and the public API (casevault/*.h)")
            elif not may_use(lsrc, ldst):
                problems.append(f"{src}: {lsrc} includes {dst} ({ldst}): a layer may only include its own or lower layers")
            if module_of(dst) != module_of(src):
                edges.setdefault(module_of(src), set()).add(module_of(dst))
    for comp in find_cycles(edges):
        problems.append("include cycle between modules: " + " <-> ".join(comp))
    return problems


NM_CACHE = {}


def nm(obj):
    if obj in NM_CACHE:
        return NM_CACHE[obj]
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "TDBRC":
            defined.add(p[2])
        elif len(p) == 2 and p[0] == "U":
            used.add(p[1])
    NM_CACHE[obj] = (defined, used)
    return defined, used


# The two builds of layer objects: the library, and the document formats module
# (vault/formats/ but loader.c and types.c, with base/util.c; CMakeLists.txt).
OBJDIRS = ("casevault.dir", "casevault-formats.dir")
# What the format libraries bring: no program may need them at start-up.
FORMAT_SONAMES = re.compile(r"lib(gmime|gexiv2|xml2|glib|gobject|gio|exiv2|mupdf|harfbuzz|freetype|openjp2|jbig2dec|jpeg)")
MODULE_EXPORT = re.compile(r"^cv_fmt_module_v\d+$")


def check_calls(root, build):
    problems = []
    for d in OBJDIRS:
        problems += check_calls_in(root, os.path.join(build, "CMakeFiles", d))
    return problems


def target_objects(root, objdir):
    """(path, source) of each object the target is made of now: its link line, so that
    an object left behind by a file moved to another target is not read."""
    build = os.path.dirname(os.path.dirname(objdir))
    try:
        words = open(os.path.join(objdir, "link.txt")).read().replace('"', " ").split()
        paths = [os.path.join(build, w) for w in words if w.endswith(".c.o")]
    except OSError:
        paths = [os.path.join(d, f) for d, _, fs in os.walk(objdir) for f in fs if f.endswith(".c.o")]
    for full in sorted(paths):
        rel = os.path.relpath(full, objdir)[: -len(".o")]
        if layer_of(rel) and os.path.exists(full) and os.path.exists(os.path.join(root, rel)):
            yield full, rel


def check_calls_in(root, objdir):
    objs = {}
    for full, rel in target_objects(root, objdir):
        objs[rel] = nm(full)
    if not objs:
        return [f"{objdir}: no object files; build the library first"]
    owner = {}
    for rel, (defined, _) in objs.items():
        for s in defined:
            owner[s] = rel
    problems, edges = [], {}
    for rel, (_, used) in sorted(objs.items()):
        lsrc = layer_of(rel)
        for s in sorted(used):
            dst = owner.get(s)
            if not dst or dst == rel:
                continue
            ldst = layer_of(dst)
            if not may_use(lsrc, ldst):
                problems.append(f"{rel}: {lsrc} calls {s} in {dst} ({ldst})")
            edges.setdefault(module_of(rel), set()).add(module_of(dst))
    for comp in find_cycles(edges):
        problems.append("call cycle between modules: " + " <-> ".join(comp))
    return problems


def check_libraries(root, build):
    """sqlite3_* only from store, gpgme_*/gcry_* only from crypto, format libraries only from the formats module."""
    problems = check_libraries_in(root, os.path.join(build, "CMakeFiles", "casevault.dir"), in_module=False)
    problems += check_libraries_in(root, os.path.join(build, "CMakeFiles", "casevault-formats.dir"), in_module=True)
    return problems + check_module(build)


def check_module(build):
    """The module exports its table alone; the programs do not need the format libraries."""
    problems = []
    mod = os.path.join(build, "casevault-formats.so")
    if not os.path.exists(mod):
        return [f"{mod}: not built; build the document formats module first"]
    out = subprocess.run(["nm", "-D", "--defined-only", mod], capture_output=True, text=True, check=True).stdout
    extra = sorted(p[-1] for p in (l.split() for l in out.splitlines()) if p and not MODULE_EXPORT.match(p[-1]))
    if extra:
        problems.append(f"{mod}: exports {', '.join(extra[:3])}{', ...' if len(extra) > 3 else ''}; "
                        "only its table (vault/formats/module.map)")
    for prog in ("casevault-direct", "casevaultd"):
        path = os.path.join(build, prog)
        if not os.path.exists(path):
            continue
        dyn = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
        need = sorted(set(m.group(0) for m in FORMAT_SONAMES.finditer(dyn)))
        if need:
            problems.append(f"{path}: needs {', '.join(need)} at start-up; the format libraries "
                            "belong to the document formats module only")
    return problems


def check_libraries_in(root, objdir, in_module):
    problems = []
    for full, rel in target_objects(root, objdir):
        layer = layer_of(rel)
        _, used = nm(full)
        for prefix, home in CONFINED.items():
            calls = sorted(s for s in used if s.startswith(prefix))
            if calls and (layer != home or (home == "formats" and not in_module)):
                where = f"{home}/" if home != "formats" else "the document formats module (formats/ but loader.c, types.c)"
                problems.append(f"{rel}: calls {prefix}* ({', '.join(calls[:3])}{', ...' if len(calls) > 3 else ''}), which only {where} may")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--objects", metavar="BUILD_DIR", help="also check calls in the built library")
    ap.add_argument("--libraries", action="store_true",
                    help="with --objects: SQLite only from store/, GPGME and libgcrypt only from crypto/, "
                         "MuPDF, libxml2, GMime and gexiv2 only from formats/")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    problems = check_includes(root)
    if args.objects:
        problems += check_calls(root, os.path.abspath(args.objects))
        if args.libraries:
            problems += check_libraries(root, os.path.abspath(args.objects))
    for p in problems:
        print(p, flush=True)
    if problems:
        print(f"check-layers: {len(problems)} problem(s); see docs/architecture.md, Layers", file=sys.stderr)
        return 1
    print("check-layers: the layers only look down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
