#!/bin/sh
# `make install` (cmake --install with PREFIX and DESTDIR) stages the
# programs, their man pages and the shell completion, nothing else; the
# staged fdecode runs, `man fdecode` finds its page, the completion parses;
# `make demo` installs only the packages building needs.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
BUILD=$(dirname "$FSC_BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
n=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
DESTDIR=$T cmake --install "$BUILD" --prefix /usr >"$T/log" 2>&1 || { cat "$T/log"; exit 1; }
R=$T/usr
for f in bin/fdecode bin/fwatch bin/ula2v4 bin/fnode bin/fedge bin/fwg bin/fdoctor \
	share/man/man1/fdecode.1 share/man/man1/fwatch.1 share/man/man1/ula2v4.1 \
	share/man/man1/fnode.1 share/man/man1/fedge.1 share/man/man1/fdoctor.1 \
	share/bash-completion/completions/fdecode \
	share/zsh/vendor-completions/_fdecode; do
	n=$((n + 1))
	[ -f "$R/$f" ] || bad "not installed: $f"
done
n=$((n + 1))
extra=$(find "$R" -type f | sed "s|^$R/||" | grep -v -e '^bin/\(fdecode\|fwatch\|ula2v4\|fnode\|fedge\|fwg\|fdoctor\)$' \
	-e '^share/man/man1/' -e '^share/bash-completion/' -e '^share/zsh/')
[ -z "$extra" ] || bad "installed beyond the programs: $extra"
n=$((n + 1))
"$R/bin/fdecode" --version | grep -q "^fdecode " || bad "the installed fdecode does not run"
if command -v man >/dev/null 2>&1; then
	n=$((n + 1))
	[ "$(MANPATH=$R/share/man man -w fdecode 2>/dev/null)" = "$R/share/man/man1/fdecode.1" ] ||
		bad "man -w fdecode does not find the installed page"
fi
if command -v bash >/dev/null 2>&1; then
	n=$((n + 1))
	bash -n "$R/share/bash-completion/completions/fdecode" || bad "bash completion does not parse"
fi
# Every long option fdecode --help names is completed, in bash and zsh.
n=$((n + 1))
for o in $("$R/bin/fdecode" --help 2>&1 | sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p' | sort -u); do
	grep -q -- "$o\([^a-z0-9-]\|$\)" "$R/share/bash-completion/completions/fdecode" ||
		bad "bash completion lacks $o"
	grep -q -- "$o\[" "$R/share/zsh/vendor-completions/_fdecode" ||
		grep -q -- "{[^}]*$o}" "$R/share/zsh/vendor-completions/_fdecode" || bad "zsh completion lacks $o"
done
# make demo installs only what building needs: no test daemons.
n=$((n + 1))
build_pkgs=$(sh "$FSC_SRC/scripts/deps.sh" build --list)
for p in tshark wireguard-go dnsmasq coturn tcpdump; do
	case " $build_pkgs " in *" $p "*) bad "deps.sh build lists the test package $p" ;; esac
done
case " $(sh "$FSC_SRC/scripts/deps.sh" --list) " in *" tshark "*) ;; *) bad "deps.sh all lacks tshark" ;; esac
n=$((n + 1))
make -n -C "$FSC_SRC" demo 2>/dev/null | grep -q "scripts/deps.sh build" || bad "make demo does not ask for the build packages only"
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
