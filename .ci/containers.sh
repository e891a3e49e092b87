#!/usr/bin/env bash
# The container stage of CI: prepares the lab when there is one ($LAB, default ../shared/lab next to
# the repository: engine, compose, qemu, node:* stand-ins for amd64 and, through the lab registry
# mirror, arm64), then runs `npm run test:containers`.
#
# Usage: .ci/containers.sh            (from any directory; LAB=/path/to/lab to point elsewhere)
# Exit:  0 all container checks passed,
#        1 a check failed, or the lab exists and one of its steps failed (a broken lab is a failure),
#        77 NOT RUN: this machine cannot run a lab at all (no lab folder and no Docker engine, or a
#           lab folder but no root to run it).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB=${LAB:-$root/../shared/lab}
cd "$root" || exit 1
PROOF_NAME=containers
# shellcheck source=../test/lib/proof.sh
. test/lib/proof.sh # without_inherited_fds, EXIT_NOT_RUN

lab_step() {
  echo "-- lab: $*"
  local code=0
  without_inherited_fds "$@" >"$log" 2>&1 || code=$?
  if ((code != 0)); then
    echo "!! lab step failed (exit $code): $*"
    tail -20 "$log" | sed 's/^/   /'
    echo "!! the lab at $LAB exists but could not be prepared: container checks FAILED (not skipped)"
    rm -f "$log"
    exit 1
  fi
}

if [[ -x $LAB/setup ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "-- NOT RUN: the lab at $LAB needs root (sudo .ci/containers.sh)" >&2
    exit "$EXIT_NOT_RUN"
  fi
  log=$(mktemp /tmp/fogpair-lab.XXXXXX)
  started=$SECONDS
  lab_step "$LAB/setup"
  lab_step "$LAB/base-images" --from Dockerfile-producer --from Dockerfile-consumer
  # arm64: the final stage pulls the arm64 base, which the lab registry serves as a docker.io mirror.
  base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile-producer)
  lab_step "$LAB/base-images" --platform linux/arm64 --no-retag "$base"
  lab_step "$LAB/registry" start
  lab_step "$LAB/base-images" push "$base"
  rm -f "$log"
  echo "-- lab ready in $((SECONDS - started)) s"
  # With a lab that came up, "no engine" (77) can only mean the lab is broken.
  code=0
  npm run --silent test:containers || code=$?
  if ((code == EXIT_NOT_RUN)); then
    echo "!! the lab at $LAB was set up, yet the container checks found no usable engine: FAILED"
    exit 1
  fi
  exit "$code"
fi

echo "-- no lab at $LAB: using whatever Docker engine this machine has"
npm run --silent test:containers
