#!/usr/bin/env python3
"""Fails when the public headers (include/vitrine/*.h) changed but include/vitrine/ABI was not updated.

The fingerprint covers declarations only: comments and layout do not count. After changing a
public header, decide whether programs built against the old one still work with the new library
(a new function: yes; a field added to or moved in a record, a changed signature: no). If not,
raise VITRINE_ABI_VERSION in include/vitrine/version.h. Then record the headers with
`tools/check_public_abi.py --update` and commit include/vitrine/ABI with the change.
Usage: tools/check_public_abi.py [--update] [checkout]
"""
import hashlib
import pathlib
import re
import sys

args = [a for a in sys.argv[1:] if a != "--update"]
update = "--update" in sys.argv[1:]
root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parent.parent)
headers = root / "include" / "vitrine"
lock = headers / "ABI"


def declarations(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return " ".join(text.split())


digest = hashlib.sha256()
for path in sorted(headers.rglob("*.h")):
    digest.update(str(path.relative_to(headers)).encode() + b"\0" + declarations(path.read_text()).encode() + b"\0")
version = re.search(r"#define VITRINE_ABI_VERSION (\d+)", (headers / "version.h").read_text()).group(1)
current = f"abi {version}\nsha256 {digest.hexdigest()}\n"

if update:
    lock.write_text(current)
    print(f"recorded the public headers as ABI version {version} in {lock.relative_to(root)}")
    sys.exit(0)
recorded = lock.read_text() if lock.exists() else "(none)\n"
if recorded != current:
    print("the public headers (include/vitrine/) differ from what include/vitrine/ABI records:", file=sys.stderr)
    print(f"  recorded: {recorded.strip()!r}\n  now:      {current.strip()!r}", file=sys.stderr)
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(1)
print(f"public headers match ABI version {version}")
