#!/usr/bin/env bash
# The unchanged swarm-stack.yml on the lab's VM nodes (../shared/lab `vm-swarm`: Debian's stock kernel
# with IPVS, so the routing mesh and VIPs work, and a real aarch64 node). Not part of CI: the VMs are
# fully emulated (minutes, not seconds). Run as root; it builds and pushes its own tags.
#
#   test/swarm/vm-proof.sh            boots vm1, vm2 (amd64) + arm1 (arm64) unless a VM swarm is up
#
# Every phase has a deadline and a verdict (PASS/FAIL); the script exits 1 when any check failed.
# Phase A, the stack exactly as on the Pis (NODE_ARCH unset = aarch64), PRODUCER_REPLICAS=1: both
#   tasks on arm1, running; inside the producer uname -m = aarch64 and process.arch = arm64; every
#   node's :5000 (the routing mesh) answers from arm1's producer container; /stats through the mesh
#   on vm1:8080 counts answers. Probes are retried until the phase deadline, never asked once.
# Phase B, NODE_ARCH=x86_64: two producers on vm1/vm2 behind the service VIP; the running consumer
#   task's own log (not the service's, which holds the old consumer's lines too) shows its last 8
#   polls alternating strictly between the two producer containers; every node's :5000 answers from
#   both producers.
# Phase C1, a rolling update with 2 replicas on exactly 2 eligible nodes: it must hang (a new task
#   Pending on "max replicas per node", the update still `updating` after 90 s; that is Swarm's
#   documented behaviour, and why the docs advise 1 replica on 2 Pis).
# Phase C2, the same update with 1 replica: completes, numbers keep arriving, 0 failed polls
#   (counted from the consumer's /stats, sampled through the mesh; a counter that goes down is a
#   new consumer process, counted from 0).
# Then docker stack rm (must leave no service or network); the VMs are stopped only if this script
# booted them. Exit: 0 every check passed, 1 one failed, 77 NOT RUN (not root, no lab vm-swarm).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
LAB="${LAB:-$root/../shared/lab}"
PROOF_NAME=vm-proof
# shellcheck source=../lib/proof.sh
. "$root/test/lib/proof.sh"
[ "$(id -u)" = 0 ] || not_run "needs root"
[ -x "$LAB/vm-swarm" ] || not_run "no lab vm-swarm at $LAB (set LAB=/path/to/shared/lab)"
# shellcheck source=test/swarm/vm-proof-checks.sh
. test/swarm/vm-proof-checks.sh

STACK=fogpairvmproof
RUN_ID="$(date +%s)"
T1="vmproof-${RUN_ID}-1"
T2="vmproof-${RUN_ID}-2"
export REGISTRY=10.213.0.1:5001 LOG_FORMAT=json LOG_LEVEL=info
MANAGER_ADDR=10.215.0.11
we_booted=0
vm() { DOCKER_HOST="tcp://$MANAGER_ADDR:2375" docker "$@"; }
on() { local node=$1; shift; DOCKER_HOST="tcp://$(addr "$node"):2375" docker "$@"; }
addr() { case "$1" in vm*) echo "10.215.0.$((10 + ${1#vm}))" ;; arm*) echo "10.215.0.$((20 + ${1#arm}))" ;; esac; }

STATS_LOG="$(mktemp /tmp/vm-proof-stats.XXXXXX)"
sampler_pid=""
cleanup() {
  [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null
  rm -f "$STATS_LOG"
  vm stack rm "$STACK" >/dev/null 2>&1 || true
  [ "$we_booted" = 1 ] && [ "${VM_PROOF_KEEP:-0}" != 1 ] && "$LAB/vm-swarm" down >/dev/null 2>&1
  local tag
  for tag in "$T1" "$T2"; do
    docker images -q --filter "label=org.opencontainers.image.version=$tag" | sort -u | xargs -r docker rmi -f >/dev/null 2>&1
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

WAIT_INTERVAL_S=3

say "images $T1 (amd64 + arm64) and $T2 (amd64 + arm64)"
if ! { TAG=$T1 scripts/swarm.sh push --per-platform && TAG=$T2 scripts/swarm.sh push --per-platform; } >/tmp/vm-proof-build.log 2>&1; then
  fail "images build and push (/tmp/vm-proof-build.log)"
  proof_summary "VM nodes"
fi

if ! vm node ls >/dev/null 2>&1; then
  t0=$SECONDS
  we_booted=1
  if ! without_inherited_fds "$LAB/vm-swarm" up --amd64 "${VM_AMD64:-2}" --arm64 "${VM_ARM64:-1}" >/tmp/vm-proof-up.log 2>&1; then
    fail "vm-swarm up --amd64 ${VM_AMD64:-2} --arm64 ${VM_ARM64:-1} (/tmp/vm-proof-up.log)"
    proof_summary "VM nodes"
  fi
  say "vm-swarm up: $((SECONDS - t0)) s"
fi
platforms="$(vm node ls --format '{{.Hostname}} {{.Status}}' | while read -r host status; do
  echo "$host=$status/$(vm node inspect -f '{{.Description.Platform.Architecture}}' "$host")"
done | sort | tr '\n' ' ')"
if grep -q 'arm1=Ready/aarch64 ' <<<"$platforms" && grep -q 'vm1=Ready/x86_64 vm2=Ready/x86_64 ' <<<"$platforms"; then
  pass "nodes: $platforms"
else
  fail "nodes: '$platforms' (want at least arm1 aarch64, vm1 and vm2 x86_64, all Ready)"
  proof_summary "VM nodes"
fi

tasks() { vm stack ps "$STACK" --filter desired-state=running --format '{{.Name}} {{.Node}} {{.CurrentState}}'; }
all_running() { # N_PRODUCERS
  # Replicas reads "2/2 (max 1 per node)" for the producer
  [ "$(vm service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Replicas}}' | cut -d' ' -f1 | sort | tr '\n' ' ')" = "$(printf '%s\n' 1/1 "$1/$1" | sort | tr '\n' ' ')" ] &&
    ! tasks | grep -qv ' Running '
}
# Running tasks of a service: "<task id> <node> <container id (12)>".
running_of() {
  local task
  for task in $(vm service ps -q --no-trunc --filter desired-state=running "${STACK}_$1"); do
    vm inspect "$task" | jq -r --arg t "$task" '.[0] | select(.Status.State == "running") | "\($t) \(.NodeID) \(.Status.ContainerStatus.ContainerID[0:12])"'
  done | while read -r t node container; do echo "$t $(vm node inspect -f '{{.Description.Hostname}}' "$node") $container"; done
}
# One task's log: the "Received number" lines' producers, oldest first.
task_producers() {
  vm service logs --raw --no-trunc "$1" 2>/dev/null | grep '^{' |
    jq -r 'select(.message != null and (.message | startswith("Received number"))) | .producer' 2>/dev/null
}
stats_sample() {
  curl -s --max-time 3 "http://$MANAGER_ADDR:8080/stats" | jq -r 'select(.polls != null) | [.polls, .successes, .failures] | @tsv' 2>/dev/null
}
stats_since() { # FROM_SAMPLE -> "polls successes failures"
  tail -n +"$1" "$STATS_LOG" | awk 'NR == 1 { pp = $1; ps = $2; pf = $3; next }
    { if ($1 < pp) { pp = 0; ps = 0; pf = 0 }; P += $1 - pp; S += $2 - ps; F += $3 - pf; pp = $1; ps = $2; pf = $3 }
    END { print P + 0, S + 0, F + 0 }'
}

# ---- phase A: exactly as on the Pis
t0=$SECONDS
say "A: TAG=$T1 PRODUCER_REPLICAS=1 docker stack deploy -c swarm-stack.yml $STACK   (NODE_ARCH unset: aarch64)"
TAG=$T1 PRODUCER_REPLICAS=1 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
if wait_for 600 "phase A running" all_running 1; then
  pass "A: deploy → all tasks running in $((SECONDS - t0)) s"
  nodes="$(tasks | awk '{print $2}' | sort -u | tr '\n' ' ')"
  [ "$nodes" = "arm1 " ] && pass "A: every task on arm1" || fail "A: tasks on '$nodes' (want arm1 only)"
  read -r _ producer_node producer_container < <(running_of producer)
  arch="$(on arm1 exec "$producer_container" uname -m 2>&1) $(on arm1 exec "$producer_container" node -p process.arch 2>&1)"
  [ "$arch" = "aarch64 arm64" ] && pass "A: in the producer on $producer_node: uname -m = aarch64, process.arch = arm64" ||
    fail "A: in the producer on $producer_node: uname -m, process.arch = '$arch' (want aarch64 arm64)"
  deadline_a=$((t0 + 900))
  for n in vm1 vm2 arm1; do
    if answer="$(served_by_within $((deadline_a - SECONDS)) "http://$(addr "$n"):5000/number" "$producer_container")"; then
      pass "A: mesh http://$n:5000/number → served by $answer (arm1's producer)"
    else
      fail "A: mesh http://$n:5000/number: $answer"
    fi
  done
  stats_counts() { curl -s --max-time 5 "http://$MANAGER_ADDR:8080/stats" | jq -e '.successes > 0' >/dev/null; }
  if wait_for $((deadline_a - SECONDS)) "/stats through the mesh on vm1:8080" stats_counts; then
    pass "A: consumer /stats through the mesh on vm1:8080 → $(curl -s --max-time 5 "http://$MANAGER_ADDR:8080/stats" | jq -c '{successes, failures, answersByInstance}')"
  else
    fail "A: consumer /stats through the mesh on vm1:8080 did not count an answer: '$(curl -s --max-time 5 "http://$MANAGER_ADDR:8080/stats" | head -c 200)'"
  fi
else
  vm stack ps --no-trunc "$STACK" | head
  fail "A: not all tasks running within 600 s"
fi

# ---- phase B: two producers on the amd64 VMs, behind the VIP
t0=$SECONDS
say "B: NODE_ARCH=x86_64 TAG=$T1 docker stack deploy -c swarm-stack.yml $STACK"
TAG=$T1 NODE_ARCH=x86_64 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
on_amd64() { all_running 2 && ! tasks | grep -q ' arm1 '; }
if wait_for 600 "phase B running on amd64" on_amd64; then
  pass "B: moved to the amd64 nodes in $((SECONDS - t0)) s: $(tasks | awk '{print $1 "@" $2}' | tr '\n' ' ')"
  read -r a b < <(running_of producer | awk '{print $3}' | sort | tr '\n' ' ')
  read -r consumer_task consumer_node _ < <(running_of consumer)
  alternates() { task_producers "$consumer_task" | strict_alternation 8 "$a" "$b"; }
  if wait_for 120 "8 polls of consumer task ${consumer_task:0:12} alternating between $a and $b" alternates; then
    pass "B: consumer task ${consumer_task:0:12} on $consumer_node (VIP, a new connection per poll): $(alternates)"
  else
    fail "B: consumer task ${consumer_task:0:12} on $consumer_node: $(alternates)"
  fi
  for n in vm1 vm2 arm1; do
    if answer="$(served_by_within 120 "http://$(addr "$n"):5000/number" "$a" "$b")"; then
      pass "B: mesh http://$n:5000/number → answered by both producers: $answer"
    else
      fail "B: mesh http://$n:5000/number: $answer"
    fi
  done
else
  vm stack ps --no-trunc "$STACK" | head
  fail "B: the stack did not move to the amd64 nodes within 600 s"
fi

# ---- phase C: rolling update on the VMs
update_state() { vm service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${STACK}_$1"; }
amd64_nodes="$(grep -o '=Ready/x86_64' <<<"$platforms" | wc -l)"
if [ "$amd64_nodes" = 2 ]; then
  say "C1: TAG=$T2 NODE_ARCH=x86_64 docker stack deploy (2 replicas, 2 amd64 nodes)"
  TAG=$T2 NODE_ARCH=x86_64 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
  sleep 90
  pending="$(vm service ps --no-trunc --filter desired-state=running --format '{{.CurrentState}} {{.Error}}' "${STACK}_producer" | grep -m1 Pending)"
  if [ "$(update_state producer)" = updating ] && grep -q 'max replicas per node' <<<"$pending"; then
    pass "C1: after 90 s the producer update is still 'updating', new task: $pending (as documented)"
  else
    fail "C1: after 90 s: producer update '$(update_state producer)', pending task: '$pending' (documented: updating, Pending on max replicas per node)"
  fi
else
  results+=("NOT RUN  C1: it needs exactly 2 amd64 nodes (VM_AMD64=$amd64_nodes)")
  say "C1 NOT RUN: it needs exactly 2 amd64 nodes, this swarm has $amd64_nodes"
fi

# C2: one replica, so the other amd64 node is free for the new task.
(while :; do stats_sample >>"$STATS_LOG"; sleep 1; done) &
sampler_pid=$!
wait_for 30 "a /stats sample through the mesh" test -s "$STATS_LOG"
from="$(wc -l <"$STATS_LOG")"
before_received="$(vm service logs --raw --no-trunc "${STACK}_consumer" 2>/dev/null | grep -c 'Received number')"
t0=$SECONDS
say "C2: TAG=$T2 NODE_ARCH=x86_64 PRODUCER_REPLICAS=1 docker stack deploy"
TAG=$T2 NODE_ARCH=x86_64 PRODUCER_REPLICAS=1 vm stack deploy --detach=true -c swarm-stack.yml "$STACK" >/dev/null
updated() { [ "$(update_state producer)" = completed ] && case "$(update_state consumer)" in "" | completed) true ;; *) false ;; esac; }
if wait_for 900 "phase C2 update completed" updated; then
  took=$((SECONDS - t0))
  settled() { set -- $(stats_since "$(($(wc -l <"$STATS_LOG") > 3 ? $(wc -l <"$STATS_LOG") - 3 : 1))"); [ "$2" -ge 1 ]; }
  wait_for 60 "a successful poll after the update" settled || true
  read -r polls ok failures < <(stats_since "$from")
  received=$(($(vm service logs --raw --no-trunc "${STACK}_consumer" 2>/dev/null | grep -c 'Received number') - before_received))
  seconds=$((SECONDS - t0))
  if [ "$failures" = 0 ] && [ "$ok" -ge $(((seconds - 30) / 3)) ] && [ "$received" -ge 2 ]; then
    pass "C2: rolling update with 1 replica completed in $took s; in $seconds s: $polls polls, $ok numbers, 0 failed (/stats), $received numbers logged"
  else
    fail "C2: rolling update in $took s; in $seconds s: $polls polls, $ok numbers, $failures failed (/stats; want 0 failed, >= $(((seconds - 30) / 3)) numbers), $received numbers logged"
  fi
else
  fail "C2: the rolling update with 1 replica did not complete within 900 s"
fi
kill "$sampler_pid" 2>/dev/null
sampler_pid=""

t0=$SECONDS
vm stack rm "$STACK" >/dev/null
gone() { [ -z "$(vm service ls -q --filter "label=com.docker.stack.namespace=$STACK")" ] && [ -z "$(vm network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ]; }
if wait_for 120 "stack removed" gone; then
  pass "stack rm: no service or network left after $((SECONDS - t0)) s"
else
  fail "stack rm: services or networks left after 120 s"
fi
proof_summary "VM nodes"
