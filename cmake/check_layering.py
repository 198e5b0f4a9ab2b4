#!/usr/bin/env python3
"""Fails when an #include points against the dependency direction of DESIGN.md.

Each source file belongs to a layer by its path; each layer may include only the layers listed
below. Run from anywhere: `python3 cmake/check_layering.py [repo-root]`. Exit 1 lists offenders.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)

# (path prefix of the including file, allowed include prefixes). First match wins.
RULES = [
    ("core/", ["core/"]),
    ("adapters/crypto/", ["core/", "adapters/crypto/"]),
    ("adapters/storage/", ["core/", "adapters/storage/"]),
    ("adapters/transport/", ["core/", "adapters/transport/"]),
    ("adapters/blob/", ["core/", "adapters/blob/"]),
    ("adapters/trace/", ["core/", "adapters/trace/"]),
    ("adapters/cluster/", ["core/", "adapters/cluster/", "adapters/transport/"]),  # etcd over HTTP
    ("adapters/", ["core/", "adapters/"]),
    ("server/main/", ["core/", "server/", "adapters/"]),
    ("server/", ["core/", "server/"]),  # server/main is matched above
    ("client/", ["core/", "client/", "adapters/crypto/", "adapters/transport/", "adapters/blob/"]),
    ("cli/", ["core/", "client/", "cli/", "adapters/crypto/", "adapters/transport/", "adapters/blob/", "adapters/trace/"]),
    ("executors/", ["core/", "client/", "executors/", "adapters/crypto/", "adapters/transport/", "adapters/blob/",
                    "adapters/observability/"]),  # --metrics-port
    ("tests/", None),  # tests may include anything
    ("benchmarks/", None),
]
PROJECT_DIRS = ("core/", "server/", "adapters/", "client/", "cli/", "executors/", "tests/", "benchmarks/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def rule_for(rel):
    for prefix, allowed in RULES:
        if rel.startswith(prefix):
            return prefix, allowed
    return None, None


def main():
    bad = []
    checked = 0
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in (".hpp", ".cpp", ".h") or "build" in path.relative_to(ROOT).parts[:1]:
            continue
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("build"):
            continue
        prefix, allowed = rule_for(rel)
        if prefix is None or allowed is None:
            continue
        checked += 1
        for inc in INCLUDE.findall(path.read_text(errors="replace")):
            if not inc.startswith(PROJECT_DIRS):
                continue  # generated or local headers
            if not any(inc.startswith(a) for a in allowed):
                bad.append(f"{rel}: includes \"{inc}\" but {prefix} may only include {', '.join(allowed)}")
    if bad:
        print("layering violations (see DESIGN.md, 'Dependency direction'):")
        print("\n".join(bad))
        return 1
    print(f"layering: {checked} files checked, no violations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
