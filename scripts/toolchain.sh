#!/usr/bin/env bash
# Installs the Cortex-M cross-compiler when it is missing (Debian/Ubuntu, as root or with sudo).
set -euo pipefail
if command -v arm-none-eabi-gcc >/dev/null && command -v gcc >/dev/null; then
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "nanoforge needs gcc and arm-none-eabi-gcc: apt-get install gcc gcc-arm-none-eabi libnewlib-arm-none-eabi" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null; then
  echo "nanoforge needs gcc and arm-none-eabi-gcc (GNU Arm Embedded toolchain) on PATH" >&2
  exit 1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gcc gcc-arm-none-eabi libnewlib-arm-none-eabi >/dev/null
