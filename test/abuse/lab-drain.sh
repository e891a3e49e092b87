#!/usr/bin/env bash
# Issue 9, item 1, in the Docker lab: a keep-alive load (test/abuse/tools/keep-alive-load.mjs, 16
# clients that honour `Connection: close`) across
#   compose   `docker compose stop producer`, the load from this machine on the published port
#   swarm     a rolling update of the producer (`docker service update --force`, start-first, 2
#             replicas), the load as a one-off service on the stack's network, by service name
# and prints what the load saw. Passes when no request was lost and none was refused.
#
#   flock /tmp/fogpair-lab.lock bash test/abuse/lab-drain.sh compose|swarm [SOURCE_DIR]
#
# SOURCE_DIR (default: this checkout) is what the images are built from, e.g. an export of an older
# commit to measure "before". Needs root and ../shared/lab (LAB=...); exit 77 when they are missing.
# Cleans up always: the compose project or the stack, the swarm if it started it, its images.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mode=${1:-}
src="$(cd "${2:-$root}" && pwd)"
LAB="${LAB:-$root/../shared/lab}"
RUN_ID="drain-$(date +%s)"
TOOLS="$root/test/abuse/tools"
CONNECTIONS=16
started=$SECONDS
say() { printf '\033[1m[lab-drain %3ds]\033[0m %s\n' "$((SECONDS - started))" "$*"; }
not_run() {
  printf '\033[1;33mlab-drain NOT RUN: %s\033[0m\n' "$1" >&2
  exit 77
}

[[ $mode == compose || $mode == swarm ]] || {
  echo "usage: $0 compose|swarm [SOURCE_DIR]" >&2
  exit 2
}
[ "$(id -u)" = 0 ] || not_run "needs root (the lab)"
[ -x "$LAB/swarm" ] || not_run "no container lab at $LAB"
docker info >/dev/null 2>&1 || not_run "no Docker engine answers"
command -v jq >/dev/null || not_run "jq is missing (run $LAB/setup)"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
now_ms() { date +%s%3N; }

# Waits until the load's stderr (file $1) says it has its first answer; 60 s at most.
wait_answered() {
  local deadline=$((SECONDS + 60))
  until grep -q answered "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# Prints the load's result and whether it passed: nothing lost, nothing refused, some answers told to close.
judge() {
  local result=$1
  say "load: $(jq -c '{sent, answered, closeAnswers, lost, refused, non2xx, maxLatencyMs, servedBy}' <<<"$result")"
  if jq -e '.lostCount == 0 and .refused == 0 and .non2xx == 0 and .answered > 0' <<<"$result" >/dev/null; then
    say "PASS: no request lost"
    return 0
  fi
  say "FAIL: requests lost or refused"
  return 1
}

compose_drill() {
  # The docker CLI takes from 0.3 to 3 s on a busy machine to deliver SIGTERM, so this drill widens
  # the grace period to 10 s: the 6 s load then always spans the SIGTERM and ends inside the grace.
  local load_ms=6000 rc=0
  project="fogpair${RUN_ID//-/}"
  port=$(free_port)
  out=$(mktemp)
  err=$(mktemp)
  dc() {
    IMAGE_TAG=$RUN_ID PRODUCER_PUBLISHED_PORT=$port STATUS_PUBLISHED_PORT=$(free_port) \
      SHUTDOWN_GRACE_MS=10000 STOP_GRACE_PERIOD=20s \
      docker compose -p "$project" --project-directory "$src" -f "$src/docker-compose.yml" "$@"
  }
  cleanup() {
    dc down --rmi all --remove-orphans >/dev/null 2>&1
    rm -f "$out" "$err"
  }
  trap cleanup EXIT
  say "building and starting the producer from $src (port $port)"
  dc up -d --build --wait producer >/dev/null 2>&1 || {
    say "FAIL: docker compose up"
    return 1
  }
  node "$TOOLS/keep-alive-load.mjs" "http://127.0.0.1:$port/number" $CONNECTIONS $load_ms >"$out" 2>"$err" &
  local load=$!
  wait_answered "$err" || {
    say "FAIL: the load got no answer"
    return 1
  }
  sleep 1
  local t0
  t0=$(now_ms)
  dc stop producer >/dev/null 2>&1
  local stop_ms=$(($(now_ms) - t0))
  wait $load
  local code
  code=$(docker inspect -f '{{.State.ExitCode}}' "$(dc ps -aq producer)")
  say "docker compose stop producer: ${stop_ms} ms, exit code $code"
  judge "$(cat "$out")" || rc=1
  [ "$code" = 0 ] || rc=1
  return $rc
}

registry="${LAB_NET_PREFIX:-10.213.0}.1:${LAB_REGISTRY_PORT:-5001}"
stack="drain${RUN_ID//-/}"
we_started=0
swarm_drill() {
  local rc=0
  mgr() { DOCKER_HOST="unix:///run/lab/swarm/pi1/docker.sock" docker "$@"; }
  # Globals, not locals: the EXIT trap runs after this function has returned.
  cleanup() {
    mgr service rm "${stack}_load" >/dev/null 2>&1
    mgr stack rm "$stack" >/dev/null 2>&1
    local deadline=$((SECONDS + 60))
    while mgr network ls --format '{{.Name}}' | grep -q "^${stack}_" && [ $SECONDS -lt $deadline ]; do sleep 1; done
    [ $we_started = 1 ] && "$LAB/swarm" down >/dev/null 2>&1
    docker rmi "$registry/fogpair-producer:$RUN_ID" "$registry/fogpair-consumer:$RUN_ID" >/dev/null 2>&1
  }
  trap cleanup EXIT
  if ! mgr info 2>/dev/null | grep -q 'Swarm: active'; then
    say "starting the lab swarm (3 nodes)"
    "$LAB/swarm" up 3 >/dev/null 2>&1 || {
      say "FAIL: swarm up"
      return 1
    }
    we_started=1
  fi
  local service
  for service in producer consumer; do
    say "building and pushing fogpair-$service:$RUN_ID from $src"
    docker build -q -f "$src/Dockerfile-$service" -t "$registry/fogpair-$service:$RUN_ID" "$src" >/dev/null &&
      docker push -q "$registry/fogpair-$service:$RUN_ID" >/dev/null || {
      say "FAIL: build or push of $service"
      return 1
    }
  done
  say "deploying stack $stack (2 producers)"
  (cd "$root" && REGISTRY=$registry TAG=$RUN_ID NODE_ARCH=x86_64 PRODUCER_REPLICAS=2 \
    mgr stack deploy -q -c swarm-stack.yml -c test/swarm/swarm-stack.lab.yml "$stack" >/dev/null) || return 1
  local deadline=$((SECONDS + 120))
  until [ "$(mgr service ps "${stack}_producer" --filter desired-state=running --format '{{.CurrentState}}' | grep -c '^Running')" = 2 ]; do
    [ $SECONDS -lt $deadline ] || {
      say "FAIL: the producers did not start"
      return 1
    }
    sleep 1
  done
  sleep 12 # the first health check (interval 10 s), so that the update starts from healthy tasks
  local load_ms=100000
  say "load: $CONNECTIONS keep-alive clients for $((load_ms / 1000)) s, by service name, from inside the stack's network"
  # The producer image has node; its health check (GET :5000/readyz) does not apply to the load.
  mgr service create -q --detach --name "${stack}_load" --network "${stack}_fogpair" --restart-condition none \
    --no-healthcheck \
    --constraint node.role==manager \
    --mount "type=bind,src=$TOOLS,dst=/tools,readonly" --entrypoint node \
    "$registry/fogpair-producer:$RUN_ID" /tools/keep-alive-load.mjs http://producer:5000/number $CONNECTIONS $load_ms >/dev/null
  deadline=$((SECONDS + 60))
  until mgr service logs --raw "${stack}_load" 2>&1 | grep -q answered; do
    [ $SECONDS -lt $deadline ] || {
      say "FAIL: the load got no answer"
      return 1
    }
    sleep 1
  done
  say "rolling update: docker service update --force ${stack}_producer"
  local t0=$SECONDS
  mgr service update -q --force --detach "${stack}_producer" >/dev/null
  deadline=$((SECONDS + 100))
  until [ "$(mgr service inspect -f '{{.UpdateStatus.State}}' "${stack}_producer")" = completed ]; do
    [ $SECONDS -lt $deadline ] || {
      say "FAIL: the update did not complete within 100 s (state $(mgr service inspect -f '{{.UpdateStatus.State}}' "${stack}_producer"))"
      rc=1
      break
    }
    sleep 1
  done
  say "update completed after $((SECONDS - t0)) s"
  deadline=$((SECONDS + 120))
  until mgr service logs --raw "${stack}_load" 2>/dev/null | grep -q '^{'; do
    [ $SECONDS -lt $deadline ] || {
      say "FAIL: the load did not finish"
      return 1
    }
    sleep 2
  done
  judge "$(mgr service logs --raw "${stack}_load" 2>/dev/null | grep '^{' | tail -1)" || rc=1
  return $rc
}

"${mode}_drill"
