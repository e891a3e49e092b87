#!/usr/bin/env bash
# npm run test:swarm — this repository's swarm-stack.yml on a multi-node lab swarm, checked from outside.
#
# Uses ../shared/lab (LAB=... to point elsewhere): its `swarm` namespace nodes pi1 (manager), pi2, pi3
# and its registry. The stack file is changed only through environment variables (REGISTRY, TAG,
# NODE_ARCH=x86_64, LOG_LEVEL/LOG_FORMAT) and test/swarm/swarm-stack.lab.yml (no IPVS on these nodes:
# dnsrr + host-mode ports; see that file). Checks:
#   1. every task running and healthy, the producer replicas on different nodes
#   2. the consumer logs numbers served by >= 2 different producer instances
#   3. a producer task killed (SIGKILL), then a whole node stopped: at most one failed poll each,
#      Swarm reschedules, the stack converges again
#   4. a rolling update to a new TAG with zero failed polls, then a rollback
#   5. the arm64 images run as swarm tasks (qemu emulation, --resolve-image never, and
#      test/swarm/swarm-stack.qemu.yml: higher memory limits, as the emulator's memory is charged too)
#   6. docker stack rm leaves no service, network or container on any node
# Exit: 0 all passed, 1 a check failed, 77 NOT RUN (no root, no lab, no docker).
# Needs root. Cleans up always: the stack, the swarm if this run started it, the image tags it made.
# SWARM_TEST_KEEP=1 leaves the stack and swarm up after the run (for poking at them).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
LAB="${LAB:-$root/../shared/lab}"
EXIT_NOT_RUN=77
STACK=fogpairswarmtest
RUN_ID="$(date +%s)"
T1="swarmtest-${RUN_ID}-1"
T2="swarmtest-${RUN_ID}-2"
NET_PREFIX="${LAB_NET_PREFIX:-10.213.0}"
export REGISTRY="${NET_PREFIX}.1:${LAB_REGISTRY_PORT:-5001}"
export NODE_ARCH=x86_64 LOG_LEVEL=debug LOG_FORMAT=json
OVERRIDES=(-c test/swarm/swarm-stack.lab.yml) # on top of swarm-stack.yml

started=$SECONDS
failed=0
results=()
timings=()
we_started_swarm=0

say() { printf '\033[1m[test:swarm %3ds]\033[0m %s\n' "$((SECONDS - started))" "$*"; }
pass() { results+=("PASS  $1"); printf '\033[1;32mPASS\033[0m  %s\n' "$1"; }
fail() { failed=1; results+=("FAIL  $1"); printf '\033[1;31mFAIL\033[0m  %s\n' "$1"; }
timing() { timings+=("$(printf '%-52s %s' "$1" "$2")"); say "time: $1: $2"; }
not_run() {
  printf '\n\033[1;33m!!!! test:swarm NOT RUN: %s\033[0m\n' "$1" >&2
  printf '\033[1;33m!!!! (exit %d: the swarm checks did not run; this is not a pass)\033[0m\n\n' "$EXIT_NOT_RUN" >&2
  exit "$EXIT_NOT_RUN"
}

# ---------------------------------------------------------------- preflight (anything missing: NOT RUN)
[ "$(id -u)" = 0 ] || not_run "needs root: the lab swarm creates network namespaces (sudo npm run test:swarm)"
[ -x "$LAB/swarm" ] || not_run "no container lab at $LAB (set LAB=/path/to/shared/lab)"
for tool in docker jq curl git node; do
  command -v "$tool" >/dev/null || not_run "$tool is not installed (run $LAB/setup)"
done
if ! docker info >/dev/null 2>&1; then
  say "no docker daemon answers; starting the lab's ($LAB/setup)"
  "$LAB/setup" >/tmp/test-swarm-setup.log 2>&1 || not_run "docker is not available: $LAB/setup failed (/tmp/test-swarm-setup.log)"
fi
docker buildx version >/dev/null 2>&1 || not_run "docker buildx is missing (run $LAB/setup)"
[ -f Dockerfile-producer ] && [ -f Dockerfile-consumer ] || not_run "Dockerfile-producer / Dockerfile-consumer are missing"

MANAGER=pi1
mgr() { DOCKER_HOST="unix:///run/lab/swarm/$MANAGER/docker.sock" docker "$@"; }
on_node() { "$LAB/swarm" docker "$@"; }
node_addr() { echo "${NET_PREFIX}.$((10 + ${1#pi}))"; }

# ---------------------------------------------------------------- cleanup, always
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "${SWARM_TEST_KEEP:-0}" = 1 ]; then
    say "SWARM_TEST_KEEP=1: leaving stack $STACK and the swarm up"
  else
    if mgr info >/dev/null 2>&1 && [ -n "$(mgr stack ls --format '{{.Name}}' 2>/dev/null | grep -x "$STACK")" ]; then
      say "cleanup: docker stack rm $STACK"
      mgr stack rm "$STACK" >/dev/null 2>&1 || true
    fi
    if [ "$we_started_swarm" = 1 ]; then
      say "cleanup: $LAB/swarm down"
      "$LAB/swarm" down >/tmp/test-swarm-down.log 2>&1 || say "swarm down failed, see /tmp/test-swarm-down.log"
    fi
  fi
  # The images this run built (their version label is this run's tag), with every tag they got (:latest too).
  local tag ids
  for tag in "$T1" "$T2"; do
    ids="$(docker images -q --filter "label=org.opencontainers.image.version=$tag" | sort -u)"
    # shellcheck disable=SC2086 # one id a word
    [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1
  done
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every second until it succeeds; 1 on timeout.
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "timed out after ${limit}s waiting for: $what"
      return 1
    fi
    sleep 1
  done
}

node_of() { mgr node inspect --format '{{.Description.Hostname}}' "$1"; }

# Tasks that should be running, one JSON object a line: {id, service, node (hostname), state, container, image}.
running_tasks() {
  local ids
  ids="$(mgr stack ps "$STACK" --filter desired-state=running --format '{{.ID}}' --no-trunc 2>/dev/null)"
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  mgr inspect $ids | jq -c '.[] | {id: .ID, service: .ServiceID, nodeId: .NodeID, state: .Status.State,
      container: (.Status.ContainerStatus.ContainerID // ""), image: .Spec.ContainerSpec.Image}' |
    while read -r task; do
      jq -c --arg node "$(node_of "$(jq -r .nodeId <<<"$task")" 2>/dev/null)" '. + {node: $node}' <<<"$task"
    done
}

service_id() { mgr service inspect --format '{{.ID}}' "${STACK}_$1"; }

# Converged: producer 2 and consumer 1 tasks, all running and healthy (checked on their node), no
# update in progress, and (optional $1) every task on images tagged $1.
converged() {
  local want_tag=${1:-} tasks producers consumers t node container health
  tasks="$(running_tasks)"
  producers="$(jq -c --arg s "$(service_id producer)" 'select(.service == $s)' <<<"$tasks" | wc -l)"
  consumers="$(jq -c --arg s "$(service_id consumer)" 'select(.service == $s)' <<<"$tasks" | wc -l)"
  [ "$producers" = 2 ] && [ "$consumers" = 1 ] || return 1
  while read -r t; do
    [ "$(jq -r .state <<<"$t")" = running ] || return 1
    # image: name:tag@digest, or name:tag when deployed with --resolve-image never
    [ -z "$want_tag" ] || jq -e --arg tag "$want_tag" '.image | sub("@.*"; "") | endswith(":" + $tag)' <<<"$t" >/dev/null || return 1
    node="$(jq -r .node <<<"$t")"
    container="$(jq -r .container <<<"$t")"
    health="$(on_node "$node" inspect --format '{{.State.Health.Status}}' "$container" 2>/dev/null)"
    [ "$health" = healthy ] || return 1
  done <<<"$tasks"
  local svc state
  for svc in producer consumer; do
    state="$(mgr service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${STACK}_$svc")"
    case "$state" in "" | completed | rollback_completed) ;; *) return 1 ;; esac
  done
}

tasks_of() { running_tasks | jq -c --arg s "$(service_id "$1")" 'select(.service == $s)'; }

# The consumer's log as JSON events (LOG_FORMAT=json), every task of the service, oldest first.
consumer_events() {
  mgr service logs --raw --no-trunc "${STACK}_consumer" 2>/dev/null | grep '^{' | jq -c 'select(.message != null)' 2>/dev/null
}
count_received() { consumer_events | jq -r 'select(.message | startswith("Received number")) | .message' | wc -l; }
# Every failed poll logs one debug line "Poll failed: …" (the warn lines for people are de-duplicated).
failed_polls() { consumer_events | jq -r 'select(.level == "debug" and (.message | startswith("Poll failed"))) | .message'; }
count_failed() { failed_polls | wc -l; }
failed_lines_since() { failed_polls | tail -n +"$(($1 + 1))"; }
producers_seen() { consumer_events | jq -r 'select(.message | startswith("Received number")) | .producer' | sort -u; }

# Polls seen since a mark: "<received> <failed>".
mark() { echo "$(count_received) $(count_failed)"; }
received_since() { echo $(($(count_received) - ${1%% *})); }
failed_since() { echo $(($(count_failed) - ${1##* })); }
more_received_than() { [ "$(count_received)" -gt "$1" ]; }

# Let the consumer poll a few more times, so that a failure right after an event is counted too.
settle() { local r; r="$(count_received)"; wait_for 30 "two more polls" more_received_than "$((r + 1))"; }

stack_gone_everywhere() {
  [ -z "$(mgr service ls -q --filter "label=com.docker.stack.namespace=$STACK")" ] || return 1
  local node
  for node in $("$LAB/swarm" nodes); do
    [ -z "$(on_node "$node" ps -aq --filter "label=com.docker.stack.namespace=$STACK")" ] || return 1
    [ -z "$(on_node "$node" network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ] || return 1
  done
}

# Through the npm scripts' own path: scripts/swarm.sh deploy = docker stack deploy -c swarm-stack.yml …
swarm_sh() { DOCKER_HOST="unix:///run/lab/swarm/$MANAGER/docker.sock" STACK="$STACK" scripts/swarm.sh "$@"; }
deploy() { # deploy TAG [docker stack deploy options...]
  local tag=$1
  shift
  TAG="$tag" swarm_sh deploy --detach=true "${OVERRIDES[@]}" "$@" >/dev/null 2>>/tmp/test-swarm-deploy.log
}

# ---------------------------------------------------------------- lab: base images, registry, swarm
say "lab at $LAB; registry $REGISTRY; stack $STACK; tags $T1, $T2"
t0=$SECONDS
"$LAB/registry" start >/dev/null 2>&1 || not_run "the lab registry does not start ($LAB/registry start)"
# The arm64 build resolves its base image through the registry (a docker.io mirror in the lab).
# scripts/swarm.sh builds every image of docker-bake.hcl's default group, the autoscaler's too.
base_images=($(grep -hoE 'node:[0-9][0-9a-z.-]*' Dockerfile-producer Dockerfile-consumer Dockerfile-autoscaler | sort -u))
{
  "$LAB/base-images" --from Dockerfile-producer --from Dockerfile-consumer --from Dockerfile-autoscaler &&
    "$LAB/base-images" --platform linux/arm64 --no-retag --from Dockerfile-producer --from Dockerfile-consumer \
      --from Dockerfile-autoscaler &&
    "$LAB/base-images" push "${base_images[@]}"
} >/tmp/test-swarm-base-images.log 2>&1 || not_run "base images could not be made ($LAB/base-images; /tmp/test-swarm-base-images.log)"
timing "base images (amd64 + arm64, in the registry)" "$((SECONDS - t0)) s"

if mgr info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -qx active; then
  [ "${SWARM_TEST_REUSE:-0}" = 1 ] ||
    not_run "a lab swarm is already up (someone else's?); '$LAB/swarm down' it first, or SWARM_TEST_REUSE=1 to use it"
  say "reusing the running lab swarm (SWARM_TEST_REUSE=1)"
else
  t0=$SECONDS
  we_started_swarm=1
  "$LAB/swarm" up 3 >/tmp/test-swarm-up.log 2>&1 || not_run "the lab swarm does not come up ($LAB/swarm up 3; /tmp/test-swarm-up.log)"
  timing "swarm up 3 (namespace nodes)" "$((SECONDS - t0)) s"
fi
[ "$(mgr node ls --format '{{.Status}}' | grep -c Ready)" -ge 3 ] || not_run "the lab swarm has fewer than 3 Ready nodes"

# ---------------------------------------------------------------- images: this repository, both platforms
t0=$SECONDS
say "building and pushing $T1 (linux/amd64 + linux/arm64) and $T2 (linux/amd64), per platform + docker manifest"
if ! TAG=$T1 scripts/swarm.sh push --per-platform >/tmp/test-swarm-build.log 2>&1 ||
  ! TAG=$T2 PLATFORMS=linux/amd64 scripts/swarm.sh push --per-platform >>/tmp/test-swarm-build.log 2>&1; then
  tail -20 /tmp/test-swarm-build.log
  fail "images build and push (log: /tmp/test-swarm-build.log)"
  exit 1
fi
timing "images: $T1 amd64+arm64 and $T2 amd64, built and pushed" "$((SECONDS - t0)) s"
manifest_platforms="$(docker manifest inspect --insecure "$REGISTRY/fogpair-producer:$T1" | jq -r '[.manifests[].platform | .os + "/" + .architecture] | sort | join(" ")')"
if [ "$manifest_platforms" = "linux/amd64 linux/arm64" ]; then
  pass "0. $REGISTRY/fogpair-producer:$T1 is a manifest list of $manifest_platforms"
else
  fail "0. $REGISTRY/fogpair-producer:$T1 platforms: '$manifest_platforms' (want linux/amd64 linux/arm64)"
fi

# ---------------------------------------------------------------- 1. deploy, converge
t0=$SECONDS
say "docker stack deploy -c swarm-stack.yml -c test/swarm/swarm-stack.lab.yml $STACK   (TAG=$T1 NODE_ARCH=$NODE_ARCH)"
deploy "$T1" || { fail "1. docker stack deploy was refused"; exit 1; }
if wait_for 120 "all tasks running and healthy" converged "$T1"; then
  timing "deploy → all 3 tasks running and healthy" "$((SECONDS - t0)) s"
  producer_nodes="$(tasks_of producer | jq -r .node | sort)"
  if [ "$(sort -u <<<"$producer_nodes" | wc -l)" = 2 ]; then
    pass "1. all tasks running and healthy; producers on $(tr '\n' ' ' <<<"$producer_nodes")(one per node), consumer on $(tasks_of consumer | jq -r .node)"
  else
    fail "1. producer replicas share a node: $(tr '\n' ' ' <<<"$producer_nodes")"
  fi
else
  mgr stack ps --no-trunc "$STACK" | head -20
  fail "1. the stack did not converge within 120 s"
  exit 1
fi

# ---------------------------------------------------------------- 2. balancing over the producers
two_producers_seen() { [ "$(producers_seen | wc -l)" -ge 2 ]; }
if wait_for 60 "numbers from two producer instances" two_producers_seen; then
  seen="$(producers_seen | tr '\n' ' ')"
  running="$(tasks_of producer | jq -r '.container[0:12]' | sort | tr '\n' ' ')"
  consumer_node="$(tasks_of consumer | jq -r .node)"
  by_instance="$(curl -s --max-time 3 "http://$(node_addr "$consumer_node"):8080/stats" | jq -c .answersByInstance)"
  if [ "$seen" = "$running" ]; then
    pass "2. the consumer received numbers from both producer containers: $seen(/stats on $consumer_node:8080: $by_instance)"
  else
    fail "2. producers seen by the consumer ($seen) are not the running producer containers ($running)"
  fi
else
  fail "2. the consumer saw only: $(producers_seen | tr '\n' ' ')"
fi
direct=""
for node in $(tasks_of producer | jq -r .node); do
  direct+="$node:5000 → $(curl -s --max-time 3 -D - -o /dev/null "http://$(node_addr "$node"):5000/number" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-served-by" {print $2}') "
done
say "published producer ports answer from outside: $direct"

# ---------------------------------------------------------------- 3a. a producer task killed
victim="$(tasks_of producer | head -1)"
victim_node="$(jq -r .node <<<"$victim")"
victim_container="$(jq -r .container <<<"$victim")"
before="$(mark)"
t0=$SECONDS
say "killing producer container ${victim_container:0:12} on $victim_node (SIGKILL)"
on_node "$victim_node" kill "$victim_container" >/dev/null
replaced() { converged && ! tasks_of producer | jq -e --arg c "$victim_container" 'select(.container == $c)' >/dev/null; }
if wait_for 90 "the killed producer replaced" replaced; then
  took=$((SECONDS - t0))
  timing "producer killed → replacement running and healthy" "$took s"
  settle
  lost="$(failed_since "$before")"
  if [ "$lost" -le 1 ]; then
    pass "3a. producer task killed: replaced in $took s, $(received_since "$before") numbers received meanwhile, $lost failed poll(s)"
  else
    fail "3a. producer task killed: $lost failed polls (at most 1 allowed): $(failed_lines_since "${before##* }" | tr '\n' '|')"
  fi
else
  fail "3a. the killed producer task was not replaced within 90 s"
fi

# ---------------------------------------------------------------- 3b. a whole node stopped
consumer_node="$(tasks_of consumer | jq -r .node)"
drill_node="$(tasks_of producer | jq -r .node | grep -vx -e "$MANAGER" -e "$consumer_node" | head -1)"
if [ -z "$drill_node" ]; then
  fail "3b. no worker node runs a producer (producers on: $(tasks_of producer | jq -r .node | tr '\n' ' '))"
else
  before="$(mark)"
  t0=$SECONDS
  say "stopping node $drill_node (its dockerd, as a power cut of the node's docker would)"
  "$LAB/swarm" stop-node "$drill_node" >/dev/null 2>&1
  node_down() { [ "$(mgr node inspect --format '{{.Status.State}}' "$drill_node")" = down ]; }
  rescheduled() { converged && ! tasks_of producer | jq -r .node | grep -qx "$drill_node"; }
  wait_for 60 "$drill_node Down" node_down && timing "node stopped → manager marks it Down" "$((SECONDS - t0)) s"
  if wait_for 120 "the producer rescheduled off $drill_node" rescheduled; then
    took=$((SECONDS - t0))
    timing "node stopped → producer rescheduled, running and healthy" "$took s"
    settle
    lost="$(failed_since "$before")"
    if [ "$lost" -le 1 ]; then
      pass "3b. node $drill_node stopped: producer rescheduled to $(tasks_of producer | jq -r .node | sort | tr '\n' ' ')in $took s, $(received_since "$before") numbers received meanwhile, $lost failed poll(s)"
    else
      fail "3b. node $drill_node stopped: $lost failed polls (at most 1 allowed): $(failed_lines_since "${before##* }" | tr '\n' '|')"
    fi
  else
    fail "3b. the producer was not rescheduled off the stopped node $drill_node within 120 s"
  fi
  t0=$SECONDS
  "$LAB/swarm" start-node "$drill_node" >/dev/null 2>&1
  node_ready() { [ "$(mgr node inspect --format '{{.Status.State}}' "$drill_node")" = ready ]; }
  wait_for 60 "$drill_node Ready again" node_ready && timing "node started again → Ready" "$((SECONDS - t0)) s"
fi

# ---------------------------------------------------------------- 4. rolling update, rollback
before="$(mark)"
t0=$SECONDS
say "rolling update: TAG=$T2 docker stack deploy …"
deploy "$T2"
if wait_for 240 "every task on $T2" converged "$T2"; then
  took=$((SECONDS - t0))
  timing "rolling update $T1 → $T2 (2 producers start-first, 1 consumer)" "$took s"
  settle
  lost="$(failed_since "$before")"
  if [ "$lost" = 0 ]; then
    pass "4. rolling update to $T2 in $took s: $(received_since "$before") numbers received, 0 failed polls"
  else
    fail "4. rolling update to $T2: $lost failed polls (want 0): $(failed_lines_since "${before##* }" | tr '\n' '|')"
  fi
else
  mgr service ps --no-trunc "${STACK}_producer" | head -12
  fail "4. the rolling update to $T2 did not complete within 240 s"
fi

before="$(mark)"
t0=$SECONDS
say "rollback: docker service rollback ${STACK}_producer and ${STACK}_consumer"
mgr service rollback --detach "${STACK}_producer" >/dev/null && mgr service rollback --detach "${STACK}_consumer" >/dev/null
rolled_back() {
  converged "$T1" &&
    [ "$(mgr service inspect --format '{{.UpdateStatus.State}}' "${STACK}_producer")" = rollback_completed ]
}
if wait_for 240 "rollback to $T1" rolled_back; then
  took=$((SECONDS - t0))
  timing "rollback $T2 → $T1" "$took s"
  settle
  lost="$(failed_since "$before")"
  if [ "$lost" = 0 ]; then
    pass "4. rollback to $T1 in $took s: rollback_completed, $(received_since "$before") numbers received, 0 failed polls"
  else
    fail "4. rollback to $T1: $lost failed polls (want 0): $(failed_lines_since "${before##* }" | tr '\n' '|')"
  fi
else
  fail "4. the rollback to $T1 did not complete within 240 s"
fi

# ---------------------------------------------------------------- 5. arm64 images as swarm tasks
before="$(mark)"
t0=$SECONDS
say "arm64: TAG=$T1-arm64 docker stack deploy -c … -c test/swarm/swarm-stack.qemu.yml --resolve-image never (qemu user emulation)"
OVERRIDES+=(-c test/swarm/swarm-stack.qemu.yml)
deploy "$T1-arm64" --resolve-image never
if wait_for 300 "every task on the arm64 images" converged "$T1-arm64"; then
  took=$((SECONDS - t0))
  timing "rolling update to the arm64 images (emulated)" "$took s"
  settle
  arches=""
  while read -r t; do
    node="$(jq -r .node <<<"$t")"
    container="$(jq -r .container <<<"$t")"
    arches+="$(on_node "$node" exec "$container" node -p 'process.arch' 2>/dev/null | tr -d '\r') "
  done < <(running_tasks)
  arm_producers="$(tasks_of producer | jq -r '.container[0:12]')"
  from_arm="$(consumer_events | jq -r 'select(.message | startswith("Received number")) | .producer' | grep -cxF "$arm_producers")"
  if [ "$arches" = "arm64 arm64 arm64 " ] && [ "$from_arm" -ge 2 ]; then
    pass "5. arm64 images as swarm tasks in $took s: process.arch = $arches on every task, $from_arm numbers served by arm64 producers, $(failed_since "$before") failed polls during the switch"
  else
    fail "5. arm64 tasks: process.arch per task: '$arches', numbers from arm64 producers: $from_arm"
  fi
else
  mgr stack ps --no-trunc "$STACK" | head -12
  fail "5. the arm64 tasks did not run healthy within 300 s"
fi

# ---------------------------------------------------------------- 6. stack rm leaves nothing
t0=$SECONDS
swarm_sh rm >/dev/null
if wait_for 90 "no service, network or container of $STACK on any node" stack_gone_everywhere; then
  timing "docker stack rm → nothing left on any node" "$((SECONDS - t0)) s"
  pass "6. docker stack rm: no service, network or container of $STACK left on $("$LAB/swarm" nodes | tr '\n' ' ')"
else
  for node in $("$LAB/swarm" nodes); do
    on_node "$node" ps -a --filter "label=com.docker.stack.namespace=$STACK"
    on_node "$node" network ls --filter "label=com.docker.stack.namespace=$STACK"
  done
  fail "6. docker stack rm left things behind after 90 s"
fi

# ---------------------------------------------------------------- summary
printf '\n\033[1m==== test:swarm summary (namespace nodes, %d s) ====\033[0m\n' "$((SECONDS - started))"
printf '%s\n' "${results[@]}"
printf '\ntimings:\n'
printf '  %s\n' "${timings[@]}"
[ "$failed" = 0 ] && printf '\033[1;32mtest:swarm passed\033[0m\n' || printf '\033[1;31mtest:swarm FAILED\033[0m\n'
exit "$failed"
