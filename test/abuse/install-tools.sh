#!/usr/bin/env bash
# Installs what `npm run test:abuse` needs besides Node: promtool, from Debian's `prometheus` package
# (the load and probe clients are Node scripts in test/abuse/tools). Does nothing when promtool is
# already on PATH.
set -euo pipefail
if command -v promtool >/dev/null; then
  exit 0
fi
if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
  echo "test:abuse: installing promtool (Debian package prometheus)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
if ! command -v promtool >/dev/null; then
  echo "test:abuse needs promtool: install Debian's 'prometheus' package (apt-get install prometheus)," >&2
  echo "or put promtool from https://prometheus.io/download/ on PATH" >&2
  exit 1
fi
