#!/usr/bin/env bash
# Installs what nanoforge needs outside Python when it is missing (Debian/Ubuntu, as root or
# with sudo): the Cortex-M cross-compiler, the libraries WeasyPrint lays reports out with
# (Pango, HarfBuzz, fonts), and poppler-utils, with which the tests render the reports' PDF.
set -euo pipefail
have_pango() { ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' && ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; }
if command -v arm-none-eabi-gcc >/dev/null && command -v gcc >/dev/null && have_pango \
   && command -v pdftoppm >/dev/null && fc-list 2>/dev/null | grep -qi dejavu; then
  exit 0
fi
PKGS="gcc gcc-arm-none-eabi libnewlib-arm-none-eabi libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "nanoforge needs: apt-get install $PKGS" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "nanoforge needs gcc and arm-none-eabi-gcc (GNU Arm Embedded toolchain) on PATH, Pango ≥ 1.44 for its reports, and poppler-utils for their tests" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS >/dev/null
