#!/usr/bin/env bash
# Usage: check-disk.sh DIR MIB — fail early, with a clear message, when DIR's disk has less than
# MIB mebibytes free (the set-up needs room for .venv: torch, diffusers, ray, the OCR models).
set -euo pipefail
dir=$1 need=$2
free=$(df -Pm "$dir" | awk 'NR==2 {print $4}')
if [ "$free" -lt "$need" ]; then
  echo "photogenic set-up: $free MiB free on the disk of $(cd "$dir" && pwd); .venv needs about $need MiB." >&2
  echo "Free some space (or set VENV to a path on a larger disk) and run make again." >&2
  exit 1
fi
