#!/usr/bin/env bash
# deps.sh check|install PKG...: make sure the Debian packages bootmm uses are
# installed. `check` installs what is missing when it can (root, apt-get) and
# otherwise prints the exact command to run; `install` always tries.
# deps.sh oracle BUILD: the pinned Linux oracle's packages (ci/oracle-deps.sh).
set -u
mode=$1; shift
if [ "$mode" = oracle ]; then
	exec "$(dirname "$0")/oracle-deps.sh" "$@"
fi
missing=()
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "bootmm: missing Debian packages: ${missing[*]}" >&2
	echo "bootmm: install them with:  sudo $line" >&2
	exit 1
fi
echo "bootmm: installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq "${missing[@]}" >&2 || {
	echo "bootmm: apt-get failed; run:  $line" >&2; exit 1; }
