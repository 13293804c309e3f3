#!/usr/bin/env bash
# oracle-deps.sh BUILD: bring the pinned Linux oracle (ci/oracle.py) under
# BUILD, from Debian's own packages only:
#   BUILD/oracle/<pkg>/        the newest linux-image-6.12.N+debX-cloud-amd64-
#                              unsigned, `apt-get download`ed and unpacked with
#                              `dpkg-deb -x` (never installed into /boot);
#                              .bootmm-package there says "<pkg> <version>"
#   BUILD/oracle/kernel        a symlink to that directory
#   BUILD/linux-source/        tools/, include/, arch/x86/, scripts/, usr/ and
#                              the top-level build files of linux-source-6.12
#                              (installed with apt: /usr/src/*.tar.xz)
# 6.12 reaches Debian 12 through its security suite (bookworm-security main,
# in every stock Debian 12 sources list). Idempotent and quiet when all is
# there; installs and downloads only what is missing.
set -u
build=${1:-build}
series=6.12
flavour=cloud-amd64
odir=$build/oracle
sdir=$build/linux-source

say() { echo "bootmm: oracle: $*" >&2; }

# newest_image: the newest linux-image-6.12.N+debX-cloud-amd64-unsigned apt
# knows, by version order of its name (empty when apt knows none).
newest_image() {
	apt-cache search --names-only \
		"^linux-image-${series//./\\.}\\.[0-9]+\\+deb[0-9]+-${flavour}-unsigned\$" \
		2>/dev/null | cut -d' ' -f1 | sort -V | tail -n 1
}

# candidate PKG: the version apt would download for PKG.
candidate() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)'
}

# apt_update_once: refresh apt's lists (root only), at most once per run.
updated=0
apt_update_once() {
	[ $updated = 1 ] || [ "$(id -u)" != 0 ] && return 1
	updated=1
	say "refreshing apt's package lists"
	apt-get update -qq >&2
}

# fetch_image PKG VERSION: download and unpack PKG into BUILD/oracle/PKG.
fetch_image() {
	local pkg=$1 ver=$2 tmp=$odir/.download
	say "downloading $pkg $ver"
	rm -rf "$tmp" "$odir/$pkg" && mkdir -p "$tmp" || return 1
	(cd "$tmp" && apt-get download -qq "$pkg=$ver" 2>&1 | grep -v 'unsandboxed' >&2)
	local deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { say "apt-get download $pkg=$ver failed"; return 1; }
	dpkg-deb -x "$deb" "$tmp/root" || return 1
	ls "$tmp"/root/boot/vmlinuz-* >/dev/null 2>&1 || { say "no vmlinuz in $deb"; return 1; }
	printf '%s %s\n' "$pkg" "$ver" > "$tmp/root/.bootmm-package"
	mv "$tmp/root" "$odir/$pkg" && rm -rf "$tmp"
}

# lists_unchanged: true when apt's package lists are no newer than the last
# successful check (BUILD/oracle/.checked), so the answer cannot have changed.
lists_unchanged() {
	[ -e "$odir/.checked" ] && [ -e "$odir/kernel/.bootmm-package" ] &&
		[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' \
			-newer "$odir/.checked" 2>/dev/null | head -n 1)" ]
}

# oracle_image: make BUILD/oracle/kernel the newest cloud image, unpacked.
oracle_image() {
	local pkg ver have
	lists_unchanged && return 0
	pkg=$(newest_image)
	if [ -z "$pkg" ] && apt_update_once; then pkg=$(newest_image); fi
	if [ -z "$pkg" ]; then
		[ -e "$odir/kernel/.bootmm-package" ] && return 0
		say "apt knows no linux-image-$series.*-$flavour-unsigned; Debian 12 has it"
		say "in its security suite: add Debian's bookworm-security main to apt's sources"
		return 1
	fi
	ver=$(candidate "$pkg")
	have=$(cat "$odir/$pkg/.bootmm-package" 2>/dev/null)
	if [ "$have" != "$pkg $ver" ]; then
		fetch_image "$pkg" "$ver" || return 1
	fi
	if [ "$(readlink "$odir/kernel" 2>/dev/null)" != "$pkg" ]; then
		ln -sfn "$pkg" "$odir/kernel"
		for old in "$odir"/linux-image-*; do
			[ "$old" = "$odir/$pkg" ] || rm -rf "$old"
		done
	fi
	touch "$odir/.checked"
}

# linux_source: install linux-source-6.12 when missing and unpack the parts
# the selftests build needs under BUILD/linux-source.
linux_source() {
	local pkg=linux-source-$series ver have
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		if [ "$(id -u)" != 0 ]; then
			say "missing $pkg; install it with:  sudo apt-get install -y $pkg"
			return 1
		fi
		say "installing $pkg"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2 ||
			{ apt_update_once && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq "$pkg" >&2; } || return 1
	fi
	ver=$(dpkg-query -W -f='${Version}' "$pkg")
	have=$(cat "$sdir/.bootmm-version" 2>/dev/null)
	[ "$have" = "$ver" ] && return 0
	say "unpacking $pkg $ver into $sdir"
	rm -rf "$sdir" "$sdir.new" && mkdir -p "$sdir.new" || return 1
	local top=linux-source-$series
	tar -xJf "/usr/src/$top.tar.xz" -C "$sdir.new" --strip-components=1 \
		"$top/tools" "$top/include" "$top/arch/x86" "$top/scripts" "$top/usr" \
		"$top/Makefile" "$top/Kbuild" "$top/Kconfig" || return 1
	echo "$ver" > "$sdir.new/.bootmm-version"
	mv "$sdir.new" "$sdir"
}

mkdir -p "$odir" || exit 1
rc=0
oracle_image || rc=1
linux_source || rc=1
exit $rc
