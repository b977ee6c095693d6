#!/usr/bin/env bash
# The Urdu typeface the public and notice pages name: Noto Nastaliq Urdu (SIL Open Font Licence
# 1.1), fetched from the npm registry at a pinned version whose checksum is checked, into the
# web app's static folder. The files are not committed (the folder is git-ignored): `make
# install` fetches them. Quick when they are there. Needs npm (scripts/system-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@fontsource/noto-nastaliq-urdu
VERSION=5.3.0
INTEGRITY=sha512-rhozTu22mlnDp5R8A4gGeNJvoLroHEV0TytCwly20w1LMA+VXs/MyhORGJu3i3SWZFdyeCFe5EF5xzraq6zd6A==
DEST=tarazu/entrypoints/web/static/fonts/noto-nastaliq-urdu
FILES=(noto-nastaliq-urdu-arabic-400-normal.woff2 noto-nastaliq-urdu-arabic-700-normal.woff2)

if [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then exit 0; fi
command -v npm >/dev/null 2>&1 || { echo "fetch-fonts: npm is needed (apt-get install npm)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$(ls "$tmp"/*.tgz)"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "fetch-fonts: $PACKAGE@$VERSION does not match its pinned checksum; not installed" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp"
mkdir -p "$DEST"
for f in "${FILES[@]}"; do cp "$tmp/package/files/$f" "$DEST/$f"; done
cp "$tmp/package/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "fetch-fonts: $PACKAGE@$VERSION installed in $DEST"
