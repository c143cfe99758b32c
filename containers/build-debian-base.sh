#!/usr/bin/env bash
# The Debian base every local stand-in image starts from, made offline from Debian's package archive (no registry is
# reachable here): `debootstrap --variant=minbase bookworm` imported as order-saga/debian:bookworm. Reused when present.
set -euo pipefail
image=order-saga/debian:bookworm
if docker image inspect "$image" >/dev/null 2>&1; then exit 0; fi

# The mirror this machine's apt uses (deb822 sources or a classic sources.list).
mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "[containers] debootstrap bookworm from $mirror (a few minutes, once)"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/tmp/debootstrap.log 2>&1 || { tail -20 /tmp/debootstrap.log >&2; exit 1; }
# A small image: no apt lists or caches.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
tar -C "$root" -c . | docker import -c 'ENV LANG=C.UTF-8' -c 'CMD ["/bin/bash"]' - "$image" >/dev/null
echo "[containers] built $image"
