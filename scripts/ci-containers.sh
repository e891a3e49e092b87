#!/usr/bin/env bash
# The container stage of CI: prepares the lab when there is one (../shared/lab next to the
# repository: engine, compose, qemu, node:* stand-ins for amd64 and, through the lab registry
# mirror, arm64), then runs `npm run test:containers`.
#
# Usage: scripts/ci-containers.sh            (from any directory)
# Exit:  0 all container checks passed, 1 a check failed,
#        77 NOT RUN: no Docker engine could be had (the test prints that loudly; not a pass).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lab=$root/../shared/lab
cd "$root" || exit 1

lab_step() {
  echo "-- lab: $*"
  "$@" >"$log" 2>&1 || { echo "!! lab step failed (exit $?): $*"; tail -20 "$log" | sed 's/^/   /'; }
}

if [[ -x $lab/setup ]]; then
  log=$(mktemp /tmp/fogpair-lab.XXXXXX)
  started=$SECONDS
  lab_step "$lab/setup"
  lab_step "$lab/base-images" --from Dockerfile-producer --from Dockerfile-consumer
  # arm64: the final stage pulls the arm64 base, which the lab registry serves as a docker.io mirror.
  base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile-producer)
  lab_step "$lab/base-images" --platform linux/arm64 --no-retag "$base"
  lab_step "$lab/registry" start
  lab_step "$lab/base-images" push "$base"
  rm -f "$log"
  echo "-- lab ready in $((SECONDS - started)) s"
else
  echo "-- no lab at $lab: using whatever Docker engine this machine has"
fi

npm run --silent test:containers
