#!/usr/bin/env bash
# The parts of cpp/ may include only the parts they link (CMakeLists.txt, LENET_DEPS_<part>). The build
# already refuses a part-prefixed include across a forbidden arrow; this check also catches what the
# compiler cannot: relative includes that climb out of a part, headers no build compiles, and JavaScript
# (Emscripten) anywhere but the binding. Prints each violation; exits 1 if there is any.
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
declare -A allowed
while read -r part deps; do
  allowed[$part]="$part $deps"
done < <(sed -n 's/^set(LENET_DEPS_\([a-z]*\) *\(.*\))$/\1 \2/p' CMakeLists.txt | tr -d '"')
allowed[binding]="binding model data layers kernels base"
allowed[cli]="cli model data layers kernels base"
[ "${#allowed[@]}" -ge 7 ] || { echo "layering: could not read the parts from CMakeLists.txt"; exit 1; }
for dir in cpp/*/; do
  part=$(basename "$dir")
  [ -n "${allowed[$part]:-}" ] || { echo "layering: cpp/$part is not a known part"; status=1; continue; }
  while IFS=: read -r file line text; do
    inc=$(sed -n 's/.*#include *"\([^"]*\)".*/\1/p' <<<"$text")
    case "$inc" in
      ../*|*/../*) echo "$file:$line: relative include climbs out of its part: $inc"; status=1; continue ;;
    esac
    target=${inc%%/*}
    [ "$target" = "$inc" ] && { echo "$file:$line: include without its part's folder: $inc"; status=1; continue; }
    [[ " ${allowed[$part]} " == *" $target "* ]] || { echo "$file:$line: $part may not include $inc"; status=1; }
  done < <(grep -Hn '#include *"' "$dir"* || true)
  if [ "$part" != binding ] && grep -Hn '#include *<emscripten' "$dir"* ; then
    echo "layering: only cpp/binding may know JavaScript (Emscripten headers above)"; status=1
  fi
done
[ "$status" = 0 ] && echo "layering: every include in cpp/ follows the allowed arrows"
exit "$status"
