#!/usr/bin/env bash
# The unchanged swarm-stack.yml on the lab's VM nodes (../shared/lab `vm-swarm`: Debian's stock kernel
# with IPVS, so the routing mesh and VIPs work, and a real aarch64 node). Not part of CI: the VMs are
# fully emulated (minutes, not seconds). Run as root after `npm run test:swarm` has pushed nothing
# you need: this script builds and pushes its own tags.
#
#   test/swarm/vm-proof.sh            boots vm1, vm2 (amd64) + arm1 (arm64) unless a VM swarm is up
#
# Phase A, the stack exactly as on the Pis (NODE_ARCH unset = aarch64): both services on arm1; the
#   producer answers through the routing mesh on the amd64 nodes' addresses too.
# Phase B, NODE_ARCH=x86_64: two producers on vm1/vm2 behind the service VIP; the consumer sees both.
# Phase C, a rolling update to a new TAG on the VMs: with 2 replicas on 2 eligible nodes it hangs
#   (C1, by design of max_replicas_per_node + start-first); with 1 replica it completes (C2), failed
#   polls counted.
# Then docker stack rm; the VMs are stopped only if this script booted them.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
LAB="${LAB:-$root/../shared/lab}"
[ -x "$LAB/vm-swarm" ] || LAB=/work/shared/lab
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 77; }
[ -x "$LAB/vm-swarm" ] || { echo "no lab vm-swarm at $LAB" >&2; exit 77; }

STACK=fogpairvmproof
RUN_ID="$(date +%s)"
T1="vmproof-${RUN_ID}-1"
T2="vmproof-${RUN_ID}-2"
export REGISTRY=10.213.0.1:5001 LOG_FORMAT=json LOG_LEVEL=debug
started=$SECONDS
we_booted=0
say() { printf '\033[1m[vm-proof %4ds]\033[0m %s\n' "$((SECONDS - started))" "$*"; }
vm() { DOCKER_HOST=tcp://10.215.0.11:2375 docker "$@"; }
addr() { case "$1" in vm*) echo "10.215.0.$((10 + ${1#vm}))" ;; arm*) echo "10.215.0.$((20 + ${1#arm}))" ;; esac; }

cleanup() {
  vm stack rm "$STACK" >/dev/null 2>&1 || true
  [ "$we_booted" = 1 ] && [ "${VM_PROOF_KEEP:-0}" != 1 ] && "$LAB/vm-swarm" down >/dev/null 2>&1
  local tag
  for tag in "$T1" "$T2"; do
    docker images -q --filter "label=org.opencontainers.image.version=$tag" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1
  done
}
trap cleanup EXIT

wait_for() { # SECONDS WHAT COMMAND...
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || { say "timed out waiting for: $what"; return 1; }
    sleep 3
  done
}

say "images $T1 (amd64 + arm64) and $T2 (amd64 + arm64)"
TAG=$T1 scripts/swarm.sh push --per-platform >/tmp/vm-proof-build.log 2>&1 &&
  TAG=$T2 scripts/swarm.sh push --per-platform >>/tmp/vm-proof-build.log 2>&1 || { say "build failed"; exit 1; }

if ! vm node ls >/dev/null 2>&1; then
  t0=$SECONDS
  we_booted=1
  "$LAB/vm-swarm" up --amd64 "${VM_AMD64:-2}" --arm64 "${VM_ARM64:-1}" >/tmp/vm-proof-up.log 2>&1 || { say "vm-swarm up failed"; exit 1; }
  say "vm-swarm up: $((SECONDS - t0)) s"
fi
vm node ls --format '{{.Hostname}} {{.Status}}' | tr '\n' ' '
echo
vm node ls -q | xargs -r -I{} env DOCKER_HOST=tcp://10.215.0.11:2375 docker node inspect -f '{{.Description.Hostname}}={{.Description.Platform.Architecture}}' {} | tr '\n' ' '
echo

tasks() { vm stack ps "$STACK" --filter desired-state=running --format '{{.Name}} {{.Node}} {{.CurrentState}}'; }
all_running() { # N_PRODUCERS
  # Replicas reads "2/2 (max 1 per node)" for the producer
  [ "$(vm service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Replicas}}' | cut -d' ' -f1 | sort | tr '\n' ' ')" = "$(printf '%s\n' 1/1 "$1/$1" | sort | tr '\n' ' ')" ] &&
    ! tasks | grep -qv ' Running '
}
consumer_events() { vm service logs --raw --no-trunc "${STACK}_consumer" 2>/dev/null | grep '^{' | jq -c 'select(.message != null)' 2>/dev/null; }
received() { consumer_events | jq -r 'select(.message | startswith("Received number")) | .producer'; }
failed() { consumer_events | jq -r 'select(.level == "debug" and (.message | startswith("Poll failed"))) | .message'; }
served_by() { curl -s --max-time 5 -D - -o /dev/null "http://$1:5000/number" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-served-by" {print $2}'; }

# ---- phase A: exactly as on the Pis
t0=$SECONDS
say "A: TAG=$T1 PRODUCER_REPLICAS=1 docker stack deploy -c swarm-stack.yml $STACK   (NODE_ARCH unset: aarch64)"
TAG=$T1 PRODUCER_REPLICAS=1 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
if wait_for 600 "phase A running" all_running 1; then
  say "A: deploy → all running (healthy): $((SECONDS - t0)) s"
  tasks
  for n in vm1 vm2 arm1; do say "A: mesh http://$n:5000/number → served by $(served_by "$(addr "$n")")"; done
  say "A: consumer /stats through the mesh on vm1:8080 → $(curl -s --max-time 5 http://10.215.0.11:8080/stats | jq -c '{successes, failures, answersByInstance}')"
  cid="$(DOCKER_HOST=tcp://10.215.0.21:2375 docker ps -q --filter "label=com.docker.swarm.service.name=${STACK}_producer" | head -1)"
  say "A: on arm1: uname -m = $(DOCKER_HOST=tcp://10.215.0.21:2375 docker exec "$cid" uname -m), process.arch = $(DOCKER_HOST=tcp://10.215.0.21:2375 docker exec "$cid" node -p process.arch)"
else
  vm stack ps --no-trunc "$STACK" | head
fi

# ---- phase B: two producers on the amd64 VMs, behind the VIP
t0=$SECONDS
say "B: NODE_ARCH=x86_64 TAG=$T1 docker stack deploy -c swarm-stack.yml $STACK"
TAG=$T1 NODE_ARCH=x86_64 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
on_amd64() { all_running 2 && ! tasks | grep -q ' arm1 '; }
if wait_for 600 "phase B running on amd64" on_amd64; then
  say "B: moved to the amd64 nodes: $((SECONDS - t0)) s"
  tasks
  sleep 30
  say "B: producers seen by the consumer (VIP, a new connection per poll): $(received | tail -12 | sort | uniq -c | tr -s ' ' | tr '\n' ',')"
  for n in vm1 vm2 arm1; do say "B: mesh http://$n:5000/number → $(served_by "$(addr "$n")") $(served_by "$(addr "$n")") $(served_by "$(addr "$n")")"; done
fi

# ---- phase C: rolling update on the VMs
# C1: 2 replicas on exactly 2 eligible nodes: a start-first update has no node for the new task
# (max_replicas_per_node: 1), which waits Pending; the update neither ends nor rolls back.
update_state() { vm service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${STACK}_$1"; }
say "C1: TAG=$T2 NODE_ARCH=x86_64 docker stack deploy (2 replicas, 2 amd64 nodes)"
TAG=$T2 NODE_ARCH=x86_64 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
sleep 90
say "C1: after 90 s: producer update '$(update_state producer)'; $(vm service ps --no-trunc --filter desired-state=running --format '{{.CurrentState}} {{.Error}}' "${STACK}_producer" | grep -m1 Pending)"
# C2: one replica, so the other amd64 node is free for the new task.
before_ok=$(received | wc -l)
before_failed=$(failed | wc -l)
t0=$SECONDS
say "C2: TAG=$T2 NODE_ARCH=x86_64 PRODUCER_REPLICAS=1 docker stack deploy"
TAG=$T2 NODE_ARCH=x86_64 PRODUCER_REPLICAS=1 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
updated() { [ "$(update_state producer)" = completed ] && case "$(update_state consumer)" in "" | completed) true ;; *) false ;; esac; }
if wait_for 900 "phase C2 update completed" updated; then
  say "C2: rolling update completed: $((SECONDS - t0)) s"
  sleep 10
  say "C2: meanwhile: $(($(received | wc -l) - before_ok)) numbers received, $(($(failed | wc -l) - before_failed)) failed polls"
  failed | tail -n +"$((before_failed + 1))"
fi

t0=$SECONDS
vm stack rm "$STACK" >/dev/null
gone() { [ -z "$(vm service ls -q --filter "label=com.docker.stack.namespace=$STACK")" ] && [ -z "$(vm network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ]; }
wait_for 120 "stack removed" gone && say "stack rm: $((SECONDS - t0)) s"
say "done in $((SECONDS - started)) s"
