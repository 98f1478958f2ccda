#!/usr/bin/env python3
"""Fails when a module of src/ uses a module src/layers.txt does not allow it.

Two places are checked: every `#include "<module>/..."` in src/<module>/, and the vitrine_<module>
libraries on each module's target_link_libraries line in src/CMakeLists.txt.
Usage: tools/check_layers.py [checkout]
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
src = root / "src"

allowed = {}
for number, line in enumerate((src / "layers.txt").read_text().splitlines(), 1):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    module, sep, uses = line.partition(":")
    if not sep:
        sys.exit(f"src/layers.txt:{number}: expected 'module: modules it may use'")
    allowed[module.strip()] = set(uses.split())

modules = {p.name for p in src.iterdir() if p.is_dir()}
problems = []
for module in sorted(modules - allowed.keys()):
    problems.append(f"src/{module}/ is not in src/layers.txt: say what it may use")
for module, uses in allowed.items():
    for unknown in sorted(uses - modules):
        problems.append(f"src/layers.txt: {module} names '{unknown}', which is not a folder of src/")

include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
for module in sorted(modules & allowed.keys()):
    may = allowed[module] | {module, "vitrine"}
    for path in sorted((src / module).rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = include.match(line)
            if m and m.group(1) not in may:
                problems.append(f"{path.relative_to(root)}:{number}: {module} may not include {m.group(1)}/ "
                                f"(src/layers.txt: {module} uses {' '.join(sorted(allowed[module])) or 'nothing'})")

cmake = (src / "CMakeLists.txt").read_text()
for m in re.finditer(r"target_link_libraries\(\s*vitrine_([a-z_]+)\s+([^)]*)\)", cmake):
    module, body = m.group(1), m.group(2)
    if module not in allowed:
        continue
    # ${VITRINE_CLIENT_MODULES}-style lists are expanded from their set() lines.
    for var in re.findall(r"\$\{(\w+)\}", body):
        definition = re.search(r"set\(\s*" + var + r"\s+([^)]*)\)", cmake)
        if definition:
            body += " " + definition.group(1)
    for used in sorted(set(re.findall(r"\bvitrine_([a-z_]+)\b", body)) - {module}):
        if used not in allowed[module]:
            problems.append(f"src/CMakeLists.txt: vitrine_{module} links vitrine_{used}, which src/layers.txt "
                            f"does not allow")

if problems:
    print("layer rules broken:", file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print(f"{len(allowed)} modules keep to src/layers.txt")
