# What the lab proofs share (test/swarm/run.sh, test/swarm/vm-proof.sh, test/autoscale/run.sh,
# .ci/containers.sh): their report lines, waiting with a deadline, and starting lab daemons.
# Source it after setting PROOF_NAME (the name in every line, e.g. test:swarm); it sets `started`,
# `failed`, `results` and `timings`. PROOF_FAIL_FAST=1 makes the first failed check end the run.
# shellcheck shell=bash
EXIT_NOT_RUN=77
started=$SECONDS
failed=0
results=()
timings=()

say() { printf '\033[1m[%s %3ds]\033[0m %s\n' "$PROOF_NAME" "$((SECONDS - started))" "$*"; }
pass() { results+=("PASS  $1"); printf '\033[1;32mPASS\033[0m  %s\n' "$1"; }
fail() {
  failed=1
  results+=("FAIL  $1")
  printf '\033[1;31mFAIL\033[0m  %s\n' "$1"
  [ "${PROOF_FAIL_FAST:-0}" != 1 ] || exit 1
}
# The lab exists but one of its steps failed: a failure, never "not run".
lab_failed() {
  fail "lab: $1"
  exit 1
}
timing() { timings+=("$(printf '%-60s %s' "$1" "$2")"); say "time: $1: $2"; }
not_run() {
  printf '\n\033[1;33m!!!! %s NOT RUN: %s\033[0m\n' "$PROOF_NAME" "$1" >&2
  printf '\033[1;33m!!!! (exit %d: its checks did not run; this is not a pass)\033[0m\n\n' "$EXIT_NOT_RUN" >&2
  exit "$EXIT_NOT_RUN"
}

# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every WAIT_INTERVAL_S (1) seconds until it
# succeeds; 1 on timeout, after saying what it waited for.
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "timed out after ${limit}s waiting for: $what"
      return 1
    fi
    sleep "${WAIT_INTERVAL_S:-1}"
  done
}

# Runs a lab command that may start daemons (dockerd, the registry, swarm nodes) without our open
# files beyond stdin/out/err: a daemon that inherited a caller's `flock` descriptor would hold the lab
# lock for as long as it lives.
without_inherited_fds() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] && [ "$fd" != 255 ]; then eval "exec $fd>&-"; fi
    done
    exec "$@"
  )
}

# proof_summary WHAT: the results and timings, then exit with the verdict.
proof_summary() {
  printf '\n\033[1m==== %s summary (%s, %d s) ====\033[0m\n' "$PROOF_NAME" "$1" "$((SECONDS - started))"
  printf '%s\n' "${results[@]}"
  if [ "${#timings[@]}" -gt 0 ]; then
    printf '\ntimings:\n'
    printf '  %s\n' "${timings[@]}"
  fi
  [ "$failed" = 0 ] && printf '\033[1;32m%s passed\033[0m\n' "$PROOF_NAME" || printf '\033[1;31m%s FAILED\033[0m\n' "$PROOF_NAME"
  exit "$failed"
}
