#!/usr/bin/env bash
# Installs the Debian packages docgen and its tests use: the free CJK fonts (TrueType), Liberation
# (Liberation Serif is the Latin face resolved for Chinese text, as Times New Roman is on
# Windows; Liberation is also embedded in place of the non-embedded Helvetica/Times/Courier of
# attachments), DejaVu Sans (the ☑/☐ of tick boxes in the text layer), qpdf and
# poppler-utils (PDF checks), LibreOffice (the tests open our DOCX/XLSX in it). Skips what is there.
set -euo pipefail
pkgs=(fonts-arphic-gbsn00lp fonts-arphic-gkai00mp fonts-wqy-zenhei fonts-lxgw-wenkai fonts-liberation2
      fonts-dejavu-core qpdf poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
