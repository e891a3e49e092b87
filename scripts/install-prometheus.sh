#!/usr/bin/env bash
# Puts Prometheus 3 and its promtool (3.5 or newer) where the tests look for them, from Debian's own
# archive: `npm test` checks prometheus/prometheus.yml with this promtool and scrapes the services with
# this Prometheus; `npm run test:abuse` lints their /metrics with it.
#
#   scripts/install-prometheus.sh          # ~35 MB of .debs the first time, then nothing to do
#
# Debian stable (bookworm, trixie) packages Prometheus 2.x; the 3.5 LTS line is in forky (testing) and
# sid. Their .debs are fetched with a private apt configuration (lists and downloads under the target
# folder, nothing installed system-wide, no root needed) and unpacked: the binaries need only glibc
# >= 2.34 (bookworm has 2.36). Target folder: $FOGPAIR_PROMETHEUS_DIR, default
# ${XDG_CACHE_HOME:-~/.cache}/fogpair/prometheus, with bin/prometheus and bin/promtool.
# Exit: 0 installed (or already there), 1 it could not be (why, and what to do instead, on stderr).
set -euo pipefail

dir="${FOGPAIR_PROMETHEUS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/fogpair/prometheus}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
say() { printf 'install-prometheus: %s\n' "$*" >&2; }
die() {
  say "$*"
  say "install Prometheus 3.5 or newer by hand (the prometheus-*.linux-*.tar.gz of https://prometheus.io/download/)"
  say "and point the tests at it: PROMETHEUS=/path/to/prometheus PROMTOOL=/path/to/promtool"
  exit 1
}

# 3.5 or newer: what the stack runs (prom/prometheus:v3.5.3) or a later 3.x.
new_enough() { "$1" --version 2>/dev/null | head -1 | grep -Eq 'version 3\.([5-9]|[1-9][0-9])\.'; }
if new_enough "$dir/bin/prometheus" && new_enough "$dir/bin/promtool"; then
  say "$("$dir/bin/promtool" --version | head -1) in $dir/bin"
  exit 0
fi

for tool in apt-get dpkg-deb; do command -v "$tool" >/dev/null || die "no $tool here: this script needs a Debian-like system"; done
[[ -r $keyring ]] || die "no $keyring (Debian's package debian-archive-keyring)"

apt_dir="$dir/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
: >"$apt_dir/status"
# forky (testing) and sid: apt takes the higher version of the two.
cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=$keyring] $mirror forky main
deb [signed-by=$keyring] $mirror sid main
EOF
private_apt() {
  apt-get -q -o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::State::status="$apt_dir/status" \
    -o Dir::Cache::Archives="$apt_dir/archives" -o Dir::Cache::pkgcache="$apt_dir/pkgcache.bin" \
    -o Dir::Cache::srcpkgcache="$apt_dir/srcpkgcache.bin" -o Debug::NoLocking=1 "$@"
}

say "fetching Debian's prometheus and promtool packages (forky/sid) into $apt_dir"
private_apt update >"$apt_dir/update.log" 2>&1 || { cat "$apt_dir/update.log" >&2; die "apt-get update of forky/sid failed"; }
rm -f "$apt_dir/debs"/*.deb
(cd "$apt_dir/debs" && private_apt download prometheus promtool) >"$apt_dir/download.log" 2>&1 ||
  { cat "$apt_dir/download.log" >&2; die "apt-get download prometheus promtool failed"; }

unpacked="$(mktemp -d "$dir/unpacked.XXXXXX")"
for deb in "$apt_dir/debs"/*.deb; do dpkg-deb -x "$deb" "$unpacked"; done
mkdir -p "$dir/bin"
install -m 0755 "$unpacked/usr/bin/prometheus" "$unpacked/usr/bin/promtool" "$dir/bin/"
rm -rf "$unpacked" "$apt_dir"
for tool in prometheus promtool; do
  new_enough "$dir/bin/$tool" || die "$dir/bin/$tool is not 3.5 or newer: $("$dir/bin/$tool" --version 2>&1 | head -1)"
done
say "$("$dir/bin/prometheus" --version | head -1) and promtool in $dir/bin"
