#!/usr/bin/env python3
"""Measures the shape of `src/`: import circles between files, imports that point back up
the layers, loose files at the root, and the store's size.

Usage: scripts/layering.py [--verbose]

An import is any `crate::…` or `super::…` path in a file (use lines and inline paths),
resolved to the file that defines the named module. Circles are strongly connected
components of that file graph with more than one file. Layers, lowest first, are listed in
LAYERS; an import from a file of a lower layer to a file of a higher one points back up.
Tests (`*_tests.rs`, `tests.rs`), fixtures and benches are not counted.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Lowest first. A module not listed takes the layer of the edge (5).
LAYERS = [
    {"domain", "config", "metrics", "error"},
    {"engine"},
    {"store"},
    {"analytics", "tracking", "dispatch", "cache", "ratelimit", "auth", "notify"},
    {"state", "inbound", "workers", "history", "ingest", "poller", "sweeper", "feed", "analytics_cli"},
    {"api", "pages"},
    {"app", "lib", "main", "demo", "sandbox"},
]


def layer_of(module):
    top = module[0] if module else "lib"
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return 5


def files():
    out = {}
    for d, _, fs in os.walk(ROOT):
        for f in fs:
            if not f.endswith(".rs"):
                continue
            if f.endswith("_tests.rs") or f == "tests.rs":
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, ROOT)
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "mod":
                parts = parts[:-1]
            if parts in (["lib"], ["main"]):
                parts = [] if parts == ["lib"] else ["main"]
            out[tuple(parts)] = rel
    return out


PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def strip(text):
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return strip_test_modules(text)


def strip_test_modules(text):
    """Drops in-file `#[cfg(test)] mod x { … }` blocks: tests don't count (issue 13), and
    their `use super::*` names the file itself, not the folder."""
    out, pos = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out.append(text[pos:m.start()])
        pos = i
    out.append(text[pos:])
    return "".join(out)


def targets(module, is_mod_file, text, modules):
    found = set()
    paths = []
    for m in USE_GROUP.finditer(text):
        base = m.group(2)
        for item in re.split(r"[,\s]+", m.group(3)):
            item = item.strip("{} ")
            if item and item[0].isalpha():
                paths.append((m.group(1), base + "::" + item.split("::")[0]))
    for m in PATH.finditer(text):
        paths.append((m.group(1), m.group(2)))
    # A module's own children named in code (`sqlite::SqliteStore`, `pub use model::*`):
    # a real dependency, unlike the bare `mod sqlite;` declaration.
    own = module if is_mod_file or module == () else None
    if own is not None:
        for child in set(re.findall(r"\bmod\s+([a-z_][a-z0-9_]*)\s*;", text)):
            if re.search(r"(?<![:\w])" + child + r"::", text):
                paths.append(("child", "::" + child))
    for kind, rest in paths:
        segs = [s for s in rest.split("::") if s]
        if kind == "crate":
            base = []
        elif kind == "child":
            base = list(module)
        else:
            # `super` in a mod.rs is the parent of the folder; elsewhere the folder itself.
            base = list(module[:-1])
            while segs and segs[0] == "super":
                segs = segs[1:]
                base = base[:-1]
        full = base + segs
        best = None
        for n in range(len(full), -1, -1):
            if tuple(full[:n]) in modules:
                best = tuple(full[:n])
                break
        if best is not None and best != module and best != ():
            found.add(best)
    return found


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    verbose = "--verbose" in sys.argv
    modules = files()
    graph = {}
    for module, rel in modules.items():
        text = strip(open(os.path.join(ROOT, rel), encoding="utf-8").read())
        graph[module] = targets(module, rel.endswith("mod.rs") or module == (), text, modules)
    circles = [c for c in sccs(graph) if len(c) > 1]
    upward = []
    for a, deps in graph.items():
        for b in deps:
            if layer_of(a) < layer_of(b):
                upward.append((a, b))
    loose = sorted(f for f in os.listdir(ROOT) if f.endswith(".rs"))
    store_lines = 0
    biggest = (0, "")
    for d, _, fs in os.walk(os.path.join(ROOT, "store")):
        for f in fs:
            if f.endswith(".rs") and not f.endswith("_tests.rs"):
                p = os.path.join(d, f)
                n = sum(1 for _ in open(p, encoding="utf-8"))
                store_lines += n
                biggest = max(biggest, (n, os.path.relpath(p, ROOT)))
    print(f"import circles between files: {len(circles)}")
    for c in circles:
        names = sorted(modules[m] for m in c)
        print(f"  {len(c)} files: {' '.join(names) if verbose or len(c) < 6 else ' '.join(names[:5]) + ' …'}")
    print(f"imports pointing back up the layers: {len(upward)}")
    if verbose:
        for a, b in sorted(upward):
            print(f"  {modules[a]} -> {modules[b]}")
    print(f"loose files in src/: {len(loose)} ({' '.join(loose)})")
    print(f"src/store lines (without *_tests.rs): {store_lines}; largest file {biggest[1]} ({biggest[0]})")


if __name__ == "__main__":
    main()
