"""The floor: the least work any checker of a cohort has to do.

    python benchmarks/floor.py ROOT...

One Python process walks the roots, reads every file once, parses each YAML
file with libyaml's C loader (``yaml.load(text, Loader=yaml.CSafeLoader)``)
and counts the words of each markdown file with a regular expression.
Nothing else: no safety checks, no schema, no source positions, no findings.
``cim batch`` is measured against this.

Hidden files and folders (``.git``, the generator's ``.cohort.json``) are
skipped, as cim skips them. Prints one JSON line of counts to stdout.
"""

from __future__ import annotations

import json
import os
import re
import sys

import yaml

WORD = re.compile(r"\w+(?:['\u2019-]\w+)*")


def floor(roots: list[str]) -> dict[str, int]:
    """Read, parse and count everything under ``roots``; return the tallies."""
    counts = {"files": 0, "bytes": 0, "yaml": 0, "yaml_errors": 0, "markdown": 0, "words": 0}
    loader = yaml.CSafeLoader
    for root in roots:
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if name.startswith("."):
                    continue
                with open(os.path.join(folder, name), "rb") as fh:
                    data = fh.read()
                counts["files"] += 1
                counts["bytes"] += len(data)
                if name.endswith((".yaml", ".yml")):
                    counts["yaml"] += 1
                    try:
                        yaml.load(data.decode("utf-8"), Loader=loader)
                    except (yaml.YAMLError, UnicodeDecodeError):
                        counts["yaml_errors"] += 1
                elif name.endswith(".md"):
                    counts["markdown"] += 1
                    counts["words"] += len(WORD.findall(data.decode("utf-8", "replace")))
    return counts


def main(argv: list[str] | None = None) -> int:
    roots = sys.argv[1:] if argv is None else argv
    if not roots:
        print("usage: python benchmarks/floor.py ROOT...", file=sys.stderr)
        return 2
    print(json.dumps(floor(roots)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
