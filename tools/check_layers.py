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

include = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')
sources = (".h", ".hh", ".hpp", ".cc", ".cpp", ".cxx", ".inc", ".ipp")


def module_of(path, target):
    """The src/ module an include names, resolving '..' against the including file's folder."""
    for base in (path.parent, src):
        candidate = (base / target).resolve()
        if candidate.exists():
            try:
                return candidate.relative_to(src.resolve()).parts[0]
            except ValueError:
                return None
    first = pathlib.PurePosixPath(target).parts[0]
    return first if first in modules else None


for module in sorted(modules & allowed.keys()):
    may = allowed[module] | {module, "vitrine"}
    for path in sorted((src / module).rglob("*")):
        if path.suffix not in sources:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            m = include.match(line)
            used = m and module_of(path, m.group(1))
            if used and used not in may:
                problems.append(f"{path.relative_to(root)}:{number}: {module} may not include {used}/ "
                                f"(src/layers.txt: {module} uses {' '.join(sorted(allowed[module])) or 'nothing'})")

cmake = re.sub(r"#[^\n]*", "", (src / "CMakeLists.txt").read_text())


def calls(name):
    """(first argument, the rest) of every `name(...)` call, parentheses balanced."""
    for m in re.finditer(r"\b" + name + r"\s*\(", cmake):
        depth, i = 1, m.end()
        while depth and i < len(cmake):
            depth += {"(": 1, ")": -1}.get(cmake[i], 0)
            i += 1
        words = cmake[m.end():i - 1].split()
        if words:
            yield words[0], " ".join(words[1:])


variables = {}
for name, body in calls("set"):
    variables[name] = body
for name, body in calls("list"):  # list(APPEND VAR items...)
    words = body.split()
    if name == "APPEND" and words:
        variables[words[0]] = variables.get(words[0], "") + " " + " ".join(words[1:])


def expand(body, depth=0):
    if depth > 5:
        return body
    return re.sub(r"\$\{(\w+)\}", lambda m: expand(variables.get(m.group(1), ""), depth + 1), body)


# A library that bundles modules (the shared client library) is checked as the module it serves.
bundles = {"client_shared": "client"}
for target, body in calls("target_link_libraries"):
    m = re.fullmatch(r"vitrine_([a-z_]+)", target)
    if not m:
        continue
    module = bundles.get(m.group(1), m.group(1))
    if module not in allowed:
        if module != "test_support" and not module.startswith("fuzz"):
            problems.append(f"src/CMakeLists.txt: vitrine_{m.group(1)} is not a module of src/layers.txt")
        continue
    for used in sorted(set(re.findall(r"\bvitrine_([a-z_]+)\b", expand(body))) - {module}):
        if used not in allowed[module]:
            problems.append(f"src/CMakeLists.txt: vitrine_{m.group(1)} links vitrine_{used}, which src/layers.txt "
                            f"does not allow")
for target, body in calls("add_library"):
    m = re.fullmatch(r"vitrine_([a-z_]+)", target)
    if not m:
        continue
    module = bundles.get(m.group(1), m.group(1))
    for source in expand(body).split():
        if "/" in source and source.split("/")[0] in modules and source.split("/")[0] != module:
            problems.append(f"src/CMakeLists.txt: vitrine_{m.group(1)} compiles {source}, a file of another module")

if problems:
    print("layer rules broken:", file=sys.stderr)
    for p in problems:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print(f"{len(allowed)} modules keep to src/layers.txt")
