#!/usr/bin/env bash
# Install the Debian packages the portal and its tests use, when they are missing:
#   chromium            the real browser the Playwright tests drive (no browser download)
#   fonts-wqy-microhei  a CJK font: PDFs embed it, browser screenshots need it
#   poppler-utils       pdftotext, with which tests read the PDFs back
#   postgresql-client   pg_dump / pg_restore for `flask backup` / `flask restore`
#   nginx               the production front (deploy/): its test, make run-nginx, load.py --via-nginx
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
