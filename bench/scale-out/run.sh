#!/usr/bin/env bash
# npm run bench:scale-out [-- OPTIONS] — does another producer replica add capacity? On a 4-node lab
# swarm (../shared/lab: pi1 manager, pi2–pi4 workers), swarm-stack.yml with the lab override and
# bench/scale-out/stack.lab.yml (producers on the workers, SCALE_OUT_PRODUCER_CPUS each, default 0.20),
# plus swarm-autoscale.yml (its autoscaler stopped but for the --autoscaled row). This script only
# drives the lab and Docker; bench/scale-out/src/main.ts measures (its options: --rounds, --seconds,
# --connections, --reconnect-every, --replicas, --paths, --autoscaled, --load-cpus, --json FILE).
#
# Needs root. Take the lab lock: flock /tmp/fogpair-lab.lock npm run bench:scale-out
# Exit: 0 measured, 1 the lab or a run failed, 64 bad options, 77 not run (no root, no lab).
# Cleans up always: the stack, the swarm it started, the image tags it made.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
LAB="${LAB:-$root/../shared/lab}"
STACK=fogpairscaleout
RUN_ID="$(date +%s)"
NET_PREFIX="${LAB_NET_PREFIX:-10.213.0}"
MANAGER=pi1
export REGISTRY="${NET_PREFIX}.1:${LAB_REGISTRY_PORT:-5001}" TAG="scaleout-${RUN_ID}"
export NODE_ARCH=x86_64 LOG_LEVEL=info LOG_FORMAT=json PRODUCER_REPLICAS=1
export SCALE_OUT_PRODUCER_CPUS="${SCALE_OUT_PRODUCER_CPUS:-0.20}"
# The autoscaled row: the settings of npm run test:autoscale (a clock shortened for a lab run).
export PROMETHEUS_CONFIG_VERSION="scaleout-${RUN_ID}" AUTOSCALE_MIN=1 AUTOSCALE_MAX=3 AUTOSCALE_TARGET_RPS=60
export AUTOSCALE_EVALUATION_INTERVAL_MS=5000 AUTOSCALE_SCALE_DOWN_WINDOW_MS=30000 AUTOSCALE_RATE_WINDOW=20s
STACK_FILES=(-c test/swarm/swarm-stack.lab.yml -c test/autoscale/swarm-autoscale.lab.yml -c bench/scale-out/stack.lab.yml)
WORK="$(mktemp -d /tmp/bench-scale-out.XXXXXX)"
we_started_swarm=0

PROOF_NAME=bench:scale-out
# shellcheck source=../../test/lib/proof.sh
. "$root/test/lib/proof.sh"

[ "$(id -u)" = 0 ] || not_run "needs root: the lab swarm creates network namespaces"
[ -x "$LAB/swarm" ] || not_run "no container lab at $LAB (set LAB=/path/to/shared/lab)"
docker info >/dev/null 2>&1 || without_inherited_fds "$LAB/setup" >"$WORK/setup.log" 2>&1 ||
  not_run "docker is not available: $LAB/setup failed ($WORK/setup.log)"
mgr() { DOCKER_HOST="unix:///run/lab/swarm/$MANAGER/docker.sock" docker "$@"; }

cleanup() {
  local rc=$? ids
  trap - EXIT INT TERM
  if mgr stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$STACK"; then
    mgr stack rm "$STACK" >/dev/null 2>&1
  fi
  if [ "$we_started_swarm" = 1 ]; then
    "$LAB/swarm" down >"$WORK/swarm-down.log" 2>&1 || say "swarm down failed, see $WORK/swarm-down.log"
  fi
  ids="$(docker images -q --filter "label=org.opencontainers.image.version=$TAG" | sort -u)"
  # shellcheck disable=SC2086 # one id a word
  [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1
  say "logs of this run: $WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The options are checked before the lab comes up (exit 64 on a bad one).
npm run build >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; lab_failed "npm run build ($WORK/build.log)"; }
node bench/scale-out/dist/main.js --check-options "$@" || exit $?

say "lab at $LAB; registry $REGISTRY; stack $STACK; tag $TAG; producer limit $SCALE_OUT_PRODUCER_CPUS CPU"
without_inherited_fds "$LAB/registry" start >/dev/null 2>&1 || lab_failed "the lab registry does not start"
prometheus_version="$(sed -n 's#^ *image: prom/prometheus:v\([0-9.]*\)$#\1#p' swarm-autoscale.yml)"
{
  "$LAB/base-images" --from Dockerfile-producer --from Dockerfile-consumer --from Dockerfile-autoscaler &&
    "$LAB/prometheus-image" --version "$prometheus_version" push
} >"$WORK/base-images.log" 2>&1 || lab_failed "base images could not be made ($WORK/base-images.log)"
if mgr info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -qx active; then
  lab_failed "a lab swarm is already up (someone else's? run under flock /tmp/fogpair-lab.lock)"
fi
we_started_swarm=1
without_inherited_fds "$LAB/swarm" up 4 >"$WORK/swarm-up.log" 2>&1 || lab_failed "swarm up 4 ($WORK/swarm-up.log)"
PLATFORMS=linux/amd64 scripts/swarm.sh push --per-platform >>"$WORK/build.log" 2>&1 ||
  lab_failed "images build and push ($WORK/build.log)"
DOCKER_HOST="unix:///run/lab/swarm/$MANAGER/docker.sock" STACK="$STACK" \
  scripts/swarm.sh deploy-autoscale --detach=true "${STACK_FILES[@]}" >"$WORK/deploy.log" 2>&1 ||
  lab_failed "docker stack deploy ($WORK/deploy.log)"
say "deployed: $(mgr service ls --format '{{.Name}}' | tr '\n' ' ')"

node bench/scale-out/dist/main.js --stack "$STACK" --manager "unix:///run/lab/swarm/$MANAGER/docker.sock" \
  --engine-template 'unix:///run/lab/swarm/{node}/docker.sock' --load-node "$MANAGER" \
  --load-image "$REGISTRY/fogpair-producer:$TAG" --repo "$root" "$@"
