#!/usr/bin/env bash
# Fails, naming the files, when a C++ source is not as clang-format (.clang-format) would write it.
# Usage: tools/check_format.sh [checkout]; `clang-format -i <file>` fixes one.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
mapfile -t files < <(git ls-files 'src/*' 'tests/*' 'include/*' 'bench/*' 'examples/*' | grep -E '\.(cc|h|cpp)$')
# One run for the whole tree; only when it finds something, one per file to name them.
if clang-format --dry-run --Werror "${files[@]}" >/dev/null 2>&1; then
  echo "all ${#files[@]} C++ files are clang-formatted"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -ne 0 ]; then
  echo "not clang-formatted (${#bad[@]} of ${#files[@]} files):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "all ${#files[@]} C++ files are clang-formatted"
