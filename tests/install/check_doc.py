#!/usr/bin/env python3
"""Checks that a guide quotes files verbatim.

Every fenced block that follows a line `<!-- snippet: PATH -->` (PATH relative to the source
root, no #region) must equal the whole file PATH, and every file in QUOTED_DIR must be quoted.
Usage: check_doc.py SOURCE_DIR DOC QUOTED_DIR
"""
import pathlib
import re
import sys

root, doc, quoted_dir = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
lines = (root / doc).read_text().split("\n")
quoted = set()
errors = []
i = 0
while i < len(lines):
    m = re.fullmatch(r"<!-- snippet: ([^#]+) -->", lines[i])
    i += 1
    if not m:
        continue
    path = m.group(1)
    if not (root / path).is_file():
        errors.append(f"{doc}:{i}: quotes {path}, which does not exist")
        continue
    if i >= len(lines) or not lines[i].startswith("```"):
        errors.append(f"{doc}:{i}: no fenced block after the snippet marker")
        continue
    end = i + 1
    while end < len(lines) and not lines[end].startswith("```"):
        end += 1
    block = "\n".join(lines[i + 1:end]) + "\n"
    if block != (root / path).read_text():
        errors.append(f"{doc}:{i}: the block quoting {path} differs from the file")
    quoted.add(path)
    i = end + 1
for f in sorted((root / quoted_dir).iterdir()):
    rel = str(f.relative_to(root))
    if rel not in quoted:
        errors.append(f"{doc} does not quote {rel}")
for e in errors:
    print(e)
print(f"{doc}: {len(quoted)} files quoted verbatim, {len(errors)} problems")
sys.exit(1 if errors else 0)
