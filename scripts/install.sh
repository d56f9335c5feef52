#!/usr/bin/env bash
# install.sh: what make install and make uninstall run.
#
#   scripts/install.sh install    copy BIN, BUILD/man/*.1 (gzipped) and
#                                 BUILD/completions/* under DESTDIR+PREFIX,
#                                 give the binary its capabilities (root, no
#                                 DESTDIR), and list in MANIFEST every file
#                                 and every directory it created
#   scripts/install.sh uninstall  remove what MANIFEST lists, and MANIFEST
#
# Environment: PREFIX (/usr/local), DESTDIR (""), BIN (./tracers),
# BUILD (build), MANIFEST (DESTDIR+PREFIX/share/tracers/install-manifest).
# The places are those Debian's man-db, bash-completion, zsh and fish read
# (fish reads PREFIX/share/fish/vendor_completions.d for a PREFIX in
# XDG_DATA_DIRS, which desktop sessions set to /usr/local/share:/usr/share).
set -euo pipefail

PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
BIN="${BIN:-./tracers}"
BUILD="${BUILD:-build}"
ROOT="$DESTDIR$PREFIX"
MANIFEST="${MANIFEST:-$ROOT/share/tracers/install-manifest}"
CAPS="cap_net_raw+ep"

die() { echo "install: $*" >&2; exit 1; }

# The manifest: one entry a line, "f PATH" for a file, "d PATH" for a
# directory install created; paths as installed (with DESTDIR).
declare -a entries=()
declare -A seen=()
add() { [[ -n "${seen[$1]:-}" ]] && return; seen[$1]=1; entries+=("$1"); }

# mkdirs DIR: create DIR and its missing parents, remembering which.
mkdirs() {
	local d="$1" missing=()
	while [[ ! -d "$d" ]]; do missing=("$d" "${missing[@]}"); d="$(dirname "$d")"; done
	for d in "${missing[@]}"; do
		install -d -m 0755 "$d"
		add "d $d"
	done
}

# put MODE SRC DST: install one file.
put() {
	mkdirs "$(dirname "$3")"
	install -m "$1" "$2" "$3"
	add "f $3"
}

do_install() {
	[[ -x "$BIN" ]] || die "no binary at $BIN (run make build)"
	[[ -d "$BUILD/man" ]] || die "no man pages in $BUILD/man (run make man)"
	[[ -d "$BUILD/completions" ]] || die "no completions in $BUILD/completions (run make completions)"
	# An earlier install's entries stay: uninstall removes both.
	if [[ -f "$MANIFEST" ]]; then
		while IFS= read -r line; do add "$line"; done <"$MANIFEST"
	fi
	mkdirs "$(dirname "$MANIFEST")"

	put 0755 "$BIN" "$ROOT/bin/tracers"
	local tmp page
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' RETURN
	for page in "$BUILD"/man/*.1; do
		gzip -9nc "$page" >"$tmp/$(basename "$page").gz"
		put 0644 "$tmp/$(basename "$page").gz" "$ROOT/share/man/man1/$(basename "$page").gz"
	done
	put 0644 "$BUILD/completions/tracers" "$ROOT/share/bash-completion/completions/tracers"
	# Debian's zsh reads packages' completions from /usr/share/zsh/vendor-completions
	# and local ones from /usr/local/share/zsh/site-functions.
	local zshdir="$ROOT/share/zsh/site-functions"
	[[ "$PREFIX" == /usr ]] && zshdir="$ROOT/share/zsh/vendor-completions"
	put 0644 "$BUILD/completions/_tracers" "$zshdir/_tracers"
	put 0644 "$BUILD/completions/tracers.fish" "$ROOT/share/fish/vendor_completions.d/tracers.fish"

	add "f $MANIFEST"
	printf '%s\n' "${entries[@]}" >"$MANIFEST"
	echo "install: $(grep -c '^f ' "$MANIFEST") files under $ROOT, listed in $MANIFEST"

	# Capabilities: only on the binary that will run (not in a DESTDIR
	# staging tree, whose packager sets them: see scripts/deb.sh).
	local bin="$ROOT/bin/tracers"
	if [[ -n "$DESTDIR" ]]; then
		echo "install: DESTDIR set: no capabilities given; the package must run 'setcap $CAPS $PREFIX/bin/tracers'"
	elif [[ "$(id -u)" != 0 ]]; then
		echo "install: not root: $bin has no capabilities; 'tracers run' needs root until you run: sudo setcap $CAPS $bin" >&2
	elif ! command -v setcap >/dev/null; then
		echo "install: setcap not found (Debian: apt-get install libcap2-bin): $bin has no capabilities; 'tracers run' needs root" >&2
	elif ! out="$(setcap "$CAPS" "$bin" 2>&1)"; then
		echo "install: setcap $CAPS $bin failed: $out ('tracers run' needs root; a file system without extended attributes, such as some network mounts, cannot hold capabilities)" >&2
	else
		echo "install: $bin has $CAPS: 'tracers run' works for every user"
	fi
}

do_uninstall() {
	[[ -f "$MANIFEST" ]] || die "no manifest at $MANIFEST: nothing installed there (same PREFIX and DESTDIR as make install?)"
	local -a dirs=()
	local kind path n=0
	while read -r kind path; do
		case "$kind" in
		f) [[ "$path" == "$MANIFEST" ]] && continue; rm -f -- "$path"; n=$((n + 1)) ;;
		d) dirs=("$path" "${dirs[@]}") ;;
		*) die "bad manifest line in $MANIFEST: $kind $path" ;;
		esac
	done <"$MANIFEST"
	rm -f -- "$MANIFEST"
	# Directories install created, deepest first, if nothing else is in them.
	for path in "${dirs[@]}"; do
		rmdir -- "$path" 2>/dev/null || true
	done
	echo "uninstall: removed $n files under $ROOT"
}

case "${1:-}" in
install) do_install ;;
uninstall) do_uninstall ;;
*) die "usage: install.sh install|uninstall" ;;
esac
