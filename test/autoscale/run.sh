#!/usr/bin/env bash
# npm run test:autoscale — swarm-stack.yml + swarm-autoscale.yml on a 3-node lab swarm: Prometheus finds
# the producer tasks by itself, a load step scales the producer up, the end of the load scales it down.
#
# Uses ../shared/lab (LAB=... to point elsewhere): its `swarm` namespace nodes pi1 (manager), pi2, pi3 and
# its registry. The stack files are changed only through environment variables and the lab overrides
# test/swarm/swarm-stack.lab.yml + test/autoscale/swarm-autoscale.lab.yml (no IPVS on these nodes: dnsrr
# and host-mode ports). min 1 / max 3 replicas; the autoscaler's intervals are shortened through env so
# that a run takes minutes. Asserted, each with a deadline:
#   1. Prometheus discovers the producer, consumer and autoscaler tasks (labels swarm_service,
#      swarm_task_slot, swarm_node) and every producer task that has run for ${PICKUP_GRACE_S}s is `up`
#      in Prometheus, at every sample of the whole run (outside the Prometheus outage of step 4)
#   2. a bounded load step (the repository's load tool, `npm run load`, run as a task on the stack
#      network) raises the replicas from 1: first scale-up within ${UP_DEADLINE_S}s, 3 running and scraped
#      within ${FULL_DEADLINE_S}s of the load start; no scale-down while the load lasts
#   3. the consumer misses no poll: /stats failures, skipped ticks and breaker rejections unchanged, and
#      its poll count grows with the clock, from before the load until the replicas are back at min
#   4. Prometheus killed (SIGKILL) and kept down right after the load ends, for longer than the scale-down
#      window: the replica count holds (no scale-down on missing data)
#   5. after Prometheus is back, the replicas return to min within ${DOWN_DEADLINE_S}s
#   6. scaling actions during the run <= ${MAX_ACTIONS} (no flapping)
# Exit: 0 all passed, 1 a check or a lab step failed, 77 NOT RUN (no root, no lab scripts, no docker). Needs root.
# Take the lab lock around it: flock /tmp/fogpair-lab.lock npm run test:autoscale
# Cleans up always: the stack, the swarm if this run started it, the image tags it made.
# AUTOSCALE_TEST_KEEP=1 leaves the stack and the swarm up after the run.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
LAB="${LAB:-$root/../shared/lab}"
STACK=fogpairautoscaletest
RUN_ID="$(date +%s)"
TAG_UNDER_TEST="autoscaletest-${RUN_ID}"
NET_PREFIX="${LAB_NET_PREFIX:-10.213.0}"
export REGISTRY="${NET_PREFIX}.1:${LAB_REGISTRY_PORT:-5001}"
export TAG="$TAG_UNDER_TEST" NODE_ARCH=x86_64 LOG_LEVEL=info LOG_FORMAT=json PRODUCER_REPLICAS=1
export PROMETHEUS_CONFIG_VERSION="test-${RUN_ID}"
# The scaling settings of this run (swarm-autoscale.yml reads them), shortened for a test.
export AUTOSCALE_MIN=1 AUTOSCALE_MAX=3
export AUTOSCALE_TARGET_RPS="${AUTOSCALE_TARGET_RPS:-60}"
export AUTOSCALE_EVALUATION_INTERVAL_MS="${AUTOSCALE_EVALUATION_INTERVAL_MS:-5000}"
export AUTOSCALE_SCALE_DOWN_WINDOW_MS="${AUTOSCALE_SCALE_DOWN_WINDOW_MS:-30000}"
export AUTOSCALE_RATE_WINDOW="${AUTOSCALE_RATE_WINDOW:-20s}"
LOAD_RATE="${LOAD_RATE:-240}"             # req/s in total: 4x the target of one replica, so the load asks for max
LOAD_SECONDS="${LOAD_SECONDS:-75}"
LOAD_CONNECTIONS="${LOAD_CONNECTIONS:-12}"
LOAD_RECONNECT_EVERY=50                   # connections reopen, so new replicas get their share (dnsrr)
PICKUP_GRACE_S=20                         # task running → up: SD refresh 5 s + scrape interval 5 s + sampling (~3 s) + margin
UP_DEADLINE_S="${UP_DEADLINE_S:-60}"
FULL_DEADLINE_S="${FULL_DEADLINE_S:-120}"
PROM_DOWN_S=$((AUTOSCALE_SCALE_DOWN_WINDOW_MS / 1000 + 3 * AUTOSCALE_EVALUATION_INTERVAL_MS / 1000 + 5))
DOWN_DEADLINE_S="${DOWN_DEADLINE_S:-150}"
MAX_ACTIONS=4                             # expected 2 (1 → 3, 3 → 1); a step-wise way down may add one or two
OVERRIDES=(-c test/swarm/swarm-stack.lab.yml -c test/autoscale/swarm-autoscale.lab.yml)

we_started_swarm=0
monitor_pid=""
WORK="$(mktemp -d /tmp/test-autoscale.XXXXXX)"

PROOF_NAME=test:autoscale
# shellcheck source=../lib/proof.sh
. "$root/test/lib/proof.sh"

# ---------------------------------------------------------------- preflight (anything missing: NOT RUN)
[ "$(id -u)" = 0 ] || not_run "needs root: the lab swarm creates network namespaces (sudo npm run test:autoscale)"
[ -x "$LAB/swarm" ] || not_run "no container lab at $LAB (set LAB=/path/to/shared/lab)"
for tool in docker jq curl git node; do
  command -v "$tool" >/dev/null || not_run "$tool is not installed (run $LAB/setup)"
done
if ! docker info >/dev/null 2>&1; then
  say "no docker daemon answers; starting the lab's ($LAB/setup)"
  without_inherited_fds "$LAB/setup" >"$WORK/setup.log" 2>&1 || not_run "docker is not available: $LAB/setup failed ($WORK/setup.log)"
fi
docker buildx version >/dev/null 2>&1 || not_run "docker buildx is missing (run $LAB/setup)"
[ -f Dockerfile-autoscaler ] || { printf 'FAIL  Dockerfile-autoscaler is missing: nothing to scale with\n'; exit 1; }

MANAGER=pi1
MANAGER_ADDR="${NET_PREFIX}.11"
PROM="http://${MANAGER_ADDR}:9090"
mgr() { DOCKER_HOST="unix:///run/lab/swarm/$MANAGER/docker.sock" docker "$@"; }
on_node() { "$LAB/swarm" docker "$@"; }

# ---------------------------------------------------------------- cleanup, always
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "$monitor_pid" ] || kill "$monitor_pid" 2>/dev/null
  if [ "${AUTOSCALE_TEST_KEEP:-0}" = 1 ]; then
    say "AUTOSCALE_TEST_KEEP=1: leaving stack $STACK and the swarm up"
  else
    if mgr info >/dev/null 2>&1 && mgr stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$STACK"; then
      say "cleanup: docker stack rm $STACK"
      mgr stack rm "$STACK" >/dev/null 2>&1 || true
    fi
    if [ "$we_started_swarm" = 1 ]; then
      say "cleanup: $LAB/swarm down"
      "$LAB/swarm" down >"$WORK/swarm-down.log" 2>&1 || say "swarm down failed, see $WORK/swarm-down.log"
    fi
  fi
  local ids
  ids="$(docker images -q --filter "label=org.opencontainers.image.version=$TAG_UNDER_TEST" | sort -u)"
  # shellcheck disable=SC2086 # one id a word
  [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1
  say "logs and samples of this run: $WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- helpers
promql() { curl -sf --max-time 3 --get --data-urlencode "query=$1" "$PROM/api/v1/query"; }
spec_replicas() { mgr service inspect --format '{{.Spec.Mode.Replicated.Replicas}}' "${STACK}_$1" 2>/dev/null; }
running_count() {
  mgr service ps --filter desired-state=running --format '{{.CurrentState}}' "${STACK}_$1" 2>/dev/null | grep -c '^Running'
}
consumer_stats() { curl -sf --max-time 3 "http://${MANAGER_ADDR}:8080/stats"; }
container_health() { # container_health SERVICE: health of its running task's container (asked on its node)
  local task node container
  task="$(mgr service ps -q --filter desired-state=running "${STACK}_$1" 2>/dev/null | head -1)"
  [ -n "$task" ] || return 1
  node="$(mgr node inspect --format '{{.Description.Hostname}}' "$(mgr inspect --format '{{.NodeID}}' "$task")")"
  container="$(mgr inspect --format '{{if .Status.ContainerStatus}}{{.Status.ContainerStatus.ContainerID}}{{end}}' "$task")"
  [ -n "$node" ] && [ -n "$container" ] || return 1
  on_node "$node" inspect --format '{{.State.Health.Status}}' "$container" 2>/dev/null
}
healthy() { [ "$(container_health "$1")" = healthy ]; }

# Producer tasks that run: one JSON object a line, {ip (in the stack network), age (s running)}.
producer_tasks() {
  local ids
  ids="$(mgr service ps -q --filter desired-state=running "${STACK}_producer" 2>/dev/null)"
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  mgr inspect $ids 2>/dev/null | jq -c --arg net "${STACK}_fogpair" '.[] | select(.Status.State == "running") |
    {ip: ([.NetworksAttachments[]? | select(.Network.Spec.Name == $net) | .Addresses[0] | split("/")[0]][0]),
     age: (now - (.Status.Timestamp | sub("\\.[0-9]+"; "") | fromdateiso8601) | floor)}'
}

# One sample a line in $WORK/samples.jsonl, every 2 s, until killed: the phase, replicas asked and
# running, producer tasks with their age, which of them Prometheus has up, the consumer's counters.
monitor() {
  while :; do
    local t phase spec running tasks up stats
    t=$((SECONDS - started))
    phase="$(cat "$WORK/phase")"
    spec="$(spec_replicas producer)"
    running="$(running_count producer)"
    tasks="$(producer_tasks | jq -sc .)"
    up="$(promql "up{swarm_service=\"${STACK}_producer\"}" |
      jq -c '[.data.result[] | {ip: (.metric.instance | split(":")[0]), up: .value[1]}]' 2>/dev/null)"
    stats="$(consumer_stats | jq -c '{polls, failures, skippedTicks, breakerRejections}' 2>/dev/null)"
    jq -nc --argjson t "$t" --arg phase "$phase" --arg spec "${spec:-null}" --arg running "${running:-0}" \
      --argjson tasks "${tasks:-[]}" --argjson up "${up:-null}" --argjson stats "${stats:-null}" \
      '{t: $t, phase: $phase, spec: ($spec | tonumber? // null), running: ($running | tonumber), tasks: $tasks,
        up: $up, stats: $stats}' >>"$WORK/samples.jsonl"
    sleep 2
  done
}
set_phase() { echo "$1" >"$WORK/phase"; say "phase: $1"; }

# Decisions the autoscaler logged and applied ("Scaling fogpair_producer 1 → 3: …").
scaling_lines() {
  mgr service logs --raw --no-trunc "${STACK}_autoscaler" 2>/dev/null | grep '^{' |
    jq -r 'select(.message != null and (.message | startswith("Scaling "))) | .message' 2>/dev/null
}

# The load tool of this repository as a one-off task on the stack network: it reaches the producers by
# their service name (dnsrr: a new connection may land on any replica). Node from the producer image.
start_load() { # start_load NAME RATE SECONDS
  local name=$1 rate=$2 seconds=$3
  mgr service create --detach --quiet --name "$name" --label "com.docker.stack.namespace=$STACK" \
    --network "${STACK}_fogpair" --restart-condition none --no-healthcheck --no-resolve-image \
    --constraint "node.hostname == $MANAGER" \
    --mount "type=bind,source=$root,target=/repo,readonly" --entrypoint node \
    "$REGISTRY/fogpair-producer:$TAG" /repo/tools/load/dist/main.js http://producer:5000/number \
    --connections "$LOAD_CONNECTIONS" --duration "$seconds" --rate "$rate" \
    --reconnect-every "$LOAD_RECONNECT_EVERY" --timeout 5 --json >/dev/null
}
load_done() { mgr service ps --format '{{.CurrentState}}' "$1" 2>/dev/null | grep -q '^Complete'; }
load_summary() { mgr service logs --raw "$1" 2>/dev/null | grep '^{"url"' | tail -1; }
describe_load() { # one line from the load tool's JSON summary
  jq -r '"\(.responses) answered, \(.requestsPerSecond | floor) req/s, p50 \(.latencyMs.p50 * 10 | round / 10) ms, p99 \(.latencyMs.p99 * 10 | round / 10) ms, max \(.latencyMs.max | round) ms, \(.errors) errors \(.errorsByKind), status \(.statusCodes)"' <<<"$1"
}

# ---------------------------------------------------------------- lab: registry, base images, swarm
say "lab at $LAB; registry $REGISTRY; stack $STACK; tag $TAG"
t0=$SECONDS
# From here on the lab exists: anything that does not work is a failure, not "not run".
without_inherited_fds "$LAB/registry" start >/dev/null 2>&1 || lab_failed "the lab registry does not start ($LAB/registry start)"
{
  "$LAB/base-images" --from Dockerfile-producer --from Dockerfile-consumer --from Dockerfile-autoscaler &&
    "$LAB/prometheus-image" push
} >"$WORK/base-images.log" 2>&1 || lab_failed "base images could not be made ($WORK/base-images.log)"
timing "base images and prom/prometheus:v2.53.3 in the registry" "$((SECONDS - t0)) s"

if mgr info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null | grep -qx active; then
  lab_failed "a lab swarm is already up (someone else's? run under flock /tmp/fogpair-lab.lock); '$LAB/swarm down' it first"
fi
t0=$SECONDS
we_started_swarm=1
without_inherited_fds "$LAB/swarm" up 3 >"$WORK/swarm-up.log" 2>&1 || lab_failed "the lab swarm does not come up ($LAB/swarm up 3; $WORK/swarm-up.log)"
[ "$(mgr node ls --format '{{.Status}}' | grep -c Ready)" -ge 3 ] || lab_failed "the lab swarm has fewer than 3 Ready nodes"
timing "swarm up 3 (namespace nodes)" "$((SECONDS - t0)) s"

# ---------------------------------------------------------------- images of this repository (amd64) and the load tool
t0=$SECONDS
say "building and pushing producer, consumer, autoscaler images ($TAG, linux/amd64); npm run build for the load tool"
if ! npm run build >"$WORK/build.log" 2>&1; then
  tail -20 "$WORK/build.log"
  fail "npm run build (log: $WORK/build.log)"
  exit 1
fi
if ! PLATFORMS=linux/amd64 scripts/swarm.sh push --per-platform >>"$WORK/build.log" 2>&1; then
  tail -20 "$WORK/build.log"
  fail "images build and push (log: $WORK/build.log)"
  exit 1
fi
# scripts/swarm.sh pushes the images it knows; the autoscaler's, built by the same bake, if it is not one of them.
if ! docker manifest inspect --insecure "$REGISTRY/fogpair-autoscaler:$TAG" >/dev/null 2>&1; then
  docker push --quiet "$REGISTRY/fogpair-autoscaler:$TAG" >>"$WORK/build.log" 2>&1 ||
    { fail "the autoscaler image $REGISTRY/fogpair-autoscaler:$TAG was not built (log: $WORK/build.log)"; exit 1; }
fi
timing "images built and pushed" "$((SECONDS - t0)) s"

# ---------------------------------------------------------------- deploy, converge
t0=$SECONDS
say "docker stack deploy -c swarm-stack.yml -c swarm-autoscale.yml ${OVERRIDES[*]} $STACK"
if ! DOCKER_HOST="unix:///run/lab/swarm/$MANAGER/docker.sock" STACK="$STACK" \
  scripts/swarm.sh deploy-autoscale --detach=true "${OVERRIDES[@]}" >"$WORK/deploy.log" 2>&1; then
  cat "$WORK/deploy.log"
  fail "docker stack deploy was refused"
  exit 1
fi
converged() {
  [ "$(running_count producer)" = 1 ] && [ "$(running_count consumer)" = 1 ] &&
    healthy prometheus && healthy autoscaler && healthy consumer && healthy producer
}
if wait_for 180 "producer, consumer, prometheus, autoscaler running and healthy" converged; then
  timing "deploy → 4 services running and healthy" "$((SECONDS - t0)) s"
else
  mgr stack ps --no-trunc "$STACK" | head -20
  fail "0. the stack did not converge within 180 s"
  exit 1
fi

# ---------------------------------------------------------------- 1. discovery
t0=$SECONDS
discovered() {
  promql 'up' | jq -e --arg s "$STACK" '[.data.result[] | select(.value[1] == "1") | .metric.swarm_service] |
    (index($s + "_producer") != null) and (index($s + "_consumer") != null) and (index($s + "_autoscaler") != null)'
}
if wait_for 60 "Prometheus to scrape producer, consumer and autoscaler" discovered; then
  timing "Prometheus healthy → all three services scraped" "$((SECONDS - t0)) s"
  target="$(promql "up{swarm_service=\"${STACK}_producer\"}" | jq -c '.data.result[0].metric')"
  if jq -e --arg s "${STACK}_producer" '.swarm_service == $s and (.swarm_task_slot | test("^[0-9]+$")) and
      (.swarm_node | test("^pi[0-9]$")) and .job == "producer"' <<<"$target" >/dev/null; then
    pass "1a. Prometheus discovered the tasks by itself; producer target: $target"
  else
    fail "1a. producer target labels are not as the contract says: $target"
  fi
else
  fail "1a. Prometheus did not scrape all of producer, consumer, autoscaler within 60 s: $(promql up | jq -c '[.data.result[] | {s: .metric.swarm_service, j: .metric.job, v: .value[1]}]')"
fi
# The autoscaler sees the producer's labels (min/max/target) — its /status, through its host port.
status="$(curl -sf --max-time 3 "http://${MANAGER_ADDR}:8081/status")"
say "autoscaler /status: $(jq -c '.' <<<"$status" 2>/dev/null | cut -c1-300)"

# ---------------------------------------------------------------- 2. the load step
echo idle >"$WORK/phase"
monitor &
monitor_pid=$!
sleep 6
stats_before="$(consumer_stats)"
[ -n "$stats_before" ] || fail "3. the consumer's /stats on ${MANAGER_ADDR}:8080 does not answer"
t_stats_before=$SECONDS
actions_before="$(scaling_lines | wc -l)"

set_phase load
t_load=$SECONDS
start_load "${STACK}_load" "$LOAD_RATE" "$LOAD_SECONDS" || { fail "2. the load task was refused"; exit 1; }
say "load step: $LOAD_RATE req/s for $LOAD_SECONDS s, $LOAD_CONNECTIONS connections, target $AUTOSCALE_TARGET_RPS req/s per replica"
scaled_up() { [ "$(spec_replicas producer)" -gt 1 ]; }
full() {
  [ "$(running_count producer)" = 3 ] &&
    [ "$(promql "count(up{swarm_service=\"${STACK}_producer\"} == 1)" | jq -r '.data.result[0].value[1]')" = 3 ]
}
if wait_for "$UP_DEADLINE_S" "the first scale-up" scaled_up; then
  first_up=$((SECONDS - t_load))
  timing "load step → first scale-up (replicas $(spec_replicas producer))" "$first_up s"
  if wait_for $((FULL_DEADLINE_S - first_up)) "3 producers running and up in Prometheus" full; then
    full_at=$((SECONDS - t_load))
    timing "load step → 3 producers running and scraped" "$full_at s"
    pass "2. load step of $LOAD_RATE req/s: first scale-up after $first_up s (deadline $UP_DEADLINE_S), 3 replicas running and scraped after $full_at s (deadline $FULL_DEADLINE_S)"
  else
    fail "2. after the first scale-up, 3 producers were not running and scraped within $FULL_DEADLINE_S s of the load step (running $(running_count producer), asked $(spec_replicas producer))"
  fi
else
  fail "2. no scale-up within $UP_DEADLINE_S s of the load step ($(scaling_lines | tail -3 | tr '\n' '|'))"
  mgr service logs --raw --no-trunc "${STACK}_autoscaler" 2>/dev/null | tail -15 >"$WORK/autoscaler.log"
  curl -sf --max-time 3 "http://${MANAGER_ADDR}:8081/status" >"$WORK/autoscaler-status.json"
  promql "sum(rate(fogpair_producer_requests_total{swarm_service=\"${STACK}_producer\"}[$AUTOSCALE_RATE_WINDOW]))" >"$WORK/rate.json"
  say "autoscaler log tail, /status and the rate: $WORK/autoscaler.log, autoscaler-status.json, rate.json"
fi
wait_for $((LOAD_SECONDS + 60)) "the load task to complete" load_done "${STACK}_load"
load_ended=$((SECONDS - t_load))
summary="$(load_summary "${STACK}_load")"
if [ -n "$summary" ]; then
  echo "$summary" >"$WORK/load-summary.json"
  say "load: $(describe_load "$summary")"
else
  fail "2. the load task printed no summary: $(mgr service logs --raw "${STACK}_load" 2>&1 | tail -5 | tr '\n' '|')"
fi
during_load="$(jq -s --argjson from "$t_load" --argjson to "$((t_load + load_ended))" \
  '[.[] | select(.t >= $from and .t <= $to and .spec != null) | .spec]' "$WORK/samples.jsonl")"
went_down="$(jq '[foreach .[] as $s ({max: 0, down: false}; {max: ([.max, $s] | max), down: (.down or ($s < .max))}; .down)] | any' <<<"$during_load")"
if [ "$went_down" = false ]; then
  pass "2. no scale-down while the load lasted (replicas asked, sampled every 2 s: $(jq -c 'unique' <<<"$during_load"))"
else
  fail "2. the replicas went down while the load lasted: $(jq -c . <<<"$during_load")"
fi

# ---------------------------------------------------------------- 4. Prometheus killed, kept down
set_phase prometheus-down
held_at="$(spec_replicas producer)"
prom_task="$(mgr service ps -q --filter desired-state=running "${STACK}_prometheus" | head -1)"
prom_container="$(mgr inspect --format '{{.Status.ContainerStatus.ContainerID}}' "$prom_task")"
say "killing Prometheus (SIGKILL, container ${prom_container:0:12} on $MANAGER) and keeping it down for $PROM_DOWN_S s (replicas now $held_at)"
mgr service scale --detach "${STACK}_prometheus=0" >/dev/null
on_node "$MANAGER" kill "$prom_container" >/dev/null 2>&1
t_prom=$SECONDS
sleep "$PROM_DOWN_S"
during_outage="$(jq -sc --argjson from "$((t_prom - started))" '[.[] | select(.t >= $from and .phase == "prometheus-down") | .spec] | unique' "$WORK/samples.jsonl")"
if [ "$during_outage" = "[$held_at]" ]; then
  pass "4. Prometheus down for $PROM_DOWN_S s (> scale-down window $((AUTOSCALE_SCALE_DOWN_WINDOW_MS / 1000)) s) after the load: replicas held at $held_at"
else
  fail "4. replicas changed while Prometheus was down: $during_outage (held at $held_at)"
fi
set_phase prometheus-back
mgr service scale --detach "${STACK}_prometheus=1" >/dev/null
wait_for 90 "Prometheus healthy again" healthy prometheus && timing "Prometheus scaled back → healthy" "$((SECONDS - t_prom - PROM_DOWN_S)) s"
t_prom_back=$((SECONDS - started))
set_phase scale-down

# ---------------------------------------------------------------- 5. back to min
at_min() { [ "$(spec_replicas producer)" = 1 ] && [ "$(running_count producer)" = 1 ]; }
if wait_for "$DOWN_DEADLINE_S" "the producer back at 1 replica" at_min; then
  back=$((SECONDS - t_load - load_ended))
  timing "load end → back at 1 replica (incl. the $PROM_DOWN_S s outage)" "$back s"
  pass "5. after the load, replicas back at min 1, $back s after the load ended (Prometheus down $PROM_DOWN_S s of it, window $((AUTOSCALE_SCALE_DOWN_WINDOW_MS / 1000)) s)"
else
  fail "5. replicas not back at 1 within $DOWN_DEADLINE_S s after Prometheus came back (asked $(spec_replicas producer), running $(running_count producer))"
fi
sleep 8 # a few more polls and samples after the last scale-down
set_phase done

# ---------------------------------------------------------------- 3. no missed poll
stats_after="$(consumer_stats)"
elapsed=$((SECONDS - t_stats_before))
if [ -n "$stats_before" ] && [ -n "$stats_after" ]; then
  delta="$(jq -nc --argjson a "$stats_before" --argjson b "$stats_after" '{polls: ($b.polls - $a.polls),
    failures: ($b.failures - $a.failures), skippedTicks: ($b.skippedTicks - $a.skippedTicks),
    breakerRejections: ($b.breakerRejections - $a.breakerRejections), failuresByKind: $b.failuresByKind}')"
  expected=$((elapsed / 3 - 2))
  if jq -e --argjson min "$expected" '.failures == 0 and .skippedTicks == 0 and .breakerRejections == 0 and .polls >= $min' <<<"$delta" >/dev/null; then
    pass "3. the consumer missed no poll over $elapsed s of scaling up and down: $(jq -c '{polls, failures, skippedTicks, breakerRejections}' <<<"$delta") (>= $expected polls expected)"
  else
    fail "3. the consumer missed polls over $elapsed s: $delta (>= $expected polls expected)"
  fi
else
  fail "3. the consumer's /stats did not answer (before: ${stats_before:-none}, after: ${stats_after:-none})"
fi

# ---------------------------------------------------------------- 1b. every producer task up, throughout
kill "$monitor_pid" 2>/dev/null
monitor_pid=""
violations="$(jq -c --argjson grace "$PICKUP_GRACE_S" --argjson back "$t_prom_back" '
  select(.phase == "idle" or .phase == "load" or ((.phase == "scale-down" or .phase == "done") and .t > $back + $grace)) |
  . as $s | if .up == null then {t, problem: "Prometheus did not answer"} else
    (.tasks[] | select(.age > $grace) | select(.ip as $ip | [$s.up[] | select(.ip == $ip and .up == "1")] | length == 0) |
     {t: $s.t, problem: "task \(.ip) running \(.age) s is not up in Prometheus"}) end' "$WORK/samples.jsonl")"
samples="$(wc -l <"$WORK/samples.jsonl")"
# Pick-up time of a task that started during the run: its age when Prometheus first had it up.
pickup="$(jq -s '[.[] | select(.up != null) | . as $s | .tasks[] | {ip, age,
    up: (.ip as $ip | [$s.up[] | select(.ip == $ip and .up == "1")] | length > 0)}] | group_by(.ip) |
  map(select((map(.age) | min) <= 6) | [.[] | select(.up) | .age] | min) | map(select(. != null)) |
  if length == 0 then "n/a" else "\(min)–\(max) s (\(length) tasks)" end' "$WORK/samples.jsonl")"
if [ -z "$violations" ] && [ "$samples" -gt 10 ]; then
  pass "1b. every producer task running > $PICKUP_GRACE_S s was up in Prometheus in all $samples samples (2 s apart; outage excluded); new tasks up in Prometheus $pickup after they started (sampled)"
else
  fail "1b. producer tasks not up in Prometheus: $(head -5 <<<"$violations" | tr '\n' ' ') ($samples samples)"
fi

# ---------------------------------------------------------------- 6. scaling actions
actions="$(scaling_lines | tail -n +"$((actions_before + 1))")"
count="$(grep -c . <<<"$actions")"
changes="$(jq -s '[.[] | .spec | select(. != null)] | [range(1; length) as $i | select(.[$i] != .[$i - 1])] | length' "$WORK/samples.jsonl" 2>/dev/null)"
if [ "$count" -ge 2 ] && [ "$count" -le "$MAX_ACTIONS" ]; then
  pass "6. $count scaling actions in the run (bound $MAX_ACTIONS; $changes replica changes sampled): $(tr '\n' '|' <<<"$actions")"
else
  fail "6. $count scaling actions (want 2..$MAX_ACTIONS): $(tr '\n' '|' <<<"$actions")"
fi

# ---------------------------------------------------------------- figures for docs/autoscaling.md
mem="$(for node in $("$LAB/swarm" nodes); do on_node "$node" stats --no-stream --format '{{.Name}} {{.MemUsage}}' 2>/dev/null; done | grep "${STACK}_" | sed 's/\.[a-z0-9]*\.[a-z0-9]* / /' | tr '\n' ';')"
say "memory per container now: $mem"

[ -n "$summary" ] && timings+=("$(printf '%-60s %s' "load step ($LOAD_RATE req/s, $LOAD_SECONDS s)" "$(describe_load "$summary")")")
proof_summary "namespace nodes"
