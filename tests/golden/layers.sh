#!/bin/sh
# The layers hold: a libdecode file includes headers of its own layer and of
# the layers it links (libdecode/CMakeLists.txt: fsc_parse <- fsc_crypto <-
# fsc_streams; fsc_capture and fsc_enrich over fsc_parse alone); libdecode
# includes nothing of wgengine/, tui/ or tools/; tui/ nothing of tools/.
set -eu
src=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
lib=$src/libdecode
fail=0

# basename -> layer, from the add_library lists
map=$(awk '
	/^add_library\(fsc_[a-z]+ STATIC/ { layer = $1; sub(/^add_library\(/, "", layer); on = 1 }
	on { for (i = 1; i <= NF; i++) if ($i ~ /\$\{SRC\}\/[a-z_0-9]+\.c/) {
		f = $i; sub(/.*\$\{SRC\}\//, "", f); sub(/\.c.*/, "", f); print f, layer } }
	on && /\)/ { on = 0 }' "$lib/CMakeLists.txt")
# headers without a .c of their name
map="$map
correlate_int fsc_streams
cursor fsc_parse
dsb fsc_crypto
frame fsc_parse
flow_int fsc_streams
streams_int fsc_streams
wgnoise_int fsc_crypto"

layer_of() {
	printf '%s\n' "$map" | awk -v f="$1" '$1 == f { print $2; exit }'
}

allowed() { # layer of the includer, layer of the header
	[ "$1" = "$2" ] && return 0
	[ "$2" = fsc_parse ] && return 0
	[ "$1" = fsc_streams ] && [ "$2" = fsc_crypto ] && return 0
	return 1
}

n=0
for f in $(printf '%s\n' "$map" | awk '{ print $1 }'); do
	from=$(layer_of "$f")
	for file in "$lib/src/$f.c" "$lib/src/$f.h" "$lib/include/fsc/$f.h"; do
		[ -f "$file" ] || continue
		n=$((n + 1))
		for h in $(sed -n 's/^#include "\(fsc\/\)\{0,1\}\([a-z_0-9]*\)\.h".*/\2/p' "$file"); do
			to=$(layer_of "$h")
			if [ -z "$to" ]; then
				echo "FAIL: ${file#$src/} includes $h.h, which is in no libdecode layer" >&2
				fail=1
			elif ! allowed "$from" "$to"; then
				echo "FAIL: ${file#$src/} ($from) includes $h.h ($to)" >&2
				fail=1
			fi
		done
	done
done
[ "$n" -gt 30 ] || { echo "FAIL: only $n libdecode files mapped to a layer" >&2; fail=1; }

# Every libdecode source is in a layer's list.
for file in "$lib"/src/*.c; do
	f=$(basename "$file" .c)
	if [ -z "$(layer_of "$f")" ]; then
		echo "FAIL: libdecode/src/$f.c is in no layer of libdecode/CMakeLists.txt" >&2
		fail=1
	fi
done

if grep -rn '#include "\(tui\|tools\|wgengine\|model\|view\|names\|fdecode\|fwatch\)' \
	"$lib" >/dev/null 2>&1; then
	echo "FAIL: libdecode includes a header from above it" >&2
	fail=1
fi
for h in $(cd "$src/tools" && ls -d */ | tr -d /); do
	for f in "$src"/tools/"$h"/*.h; do
		[ -f "$f" ] || continue
		b=$(basename "$f")
		if grep -ln "#include \"$b\"" "$src"/tui/*.c "$src"/tui/*.h >/dev/null 2>&1; then
			echo "FAIL: tui/ includes tools/$h/$b" >&2
			fail=1
		fi
	done
done
[ "$fail" = 0 ] && echo "layers: $n libdecode files, every include within its layer"
exit "$fail"
