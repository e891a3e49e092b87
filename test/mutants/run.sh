#!/usr/bin/env bash
# npm run test:mutants [-- NAME...] — each end-to-end check of issue 12 must FAIL on a broken variant.
#
# For every mutant: a scratch copy of this tree (tracked and untracked-but-not-ignored files, as
# test/containers/run.sh copies it) in /tmp, one literal change applied to it (a mutation that no
# longer applies, because the code it breaks has moved, is a failure of this script too), then the
# check that should catch it, run in the scratch copy. A mutant is caught when the check exits
# non-zero, not 77 ("could not run"), and prints the failure it is meant to print; anything else
# (it passes, it fails for another reason) is a mutant that survived. This script passes only when
# every mutant is caught. It prints one line per mutant: name, the check that caught it, seconds.
#
# Slow (~15 min): mutants 1-4 need the container lab (root, LAB=/path/to/shared/lab, default
# ../shared/lab); each takes the lab lock (FOGPAIR_LAB_LOCK, default /tmp/fogpair-lab.lock) for its
# own run only, so do not wrap this script in flock. Mutant 6 needs Chromium at /usr/bin/chromium.
# Not part of CI. Exit: 0 every mutant caught, 1 otherwise, 77 when this machine cannot run them.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB="${LAB:-$root/../shared/lab}"
LOCK="${FOGPAIR_LAB_LOCK-/tmp/fogpair-lab.lock}"
WORK="$(mktemp -d /tmp/fogpair-mutants.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
started=$SECONDS
results=()
survivors=0

say() { printf '\033[1m[mutants %4ds]\033[0m %s\n' "$((SECONDS - started))" "$*"; }
[ "$(id -u)" = 0 ] || { echo "test:mutants NOT RUN: needs root (the lab mutants)" >&2; exit 77; }
[ -x "$LAB/swarm" ] || { echo "test:mutants NOT RUN: no lab at $LAB (set LAB=/path/to/shared/lab)" >&2; exit 77; }
LAB="$(cd "$LAB" && pwd)"

# scratch NAME: a fresh copy of the tree, with node_modules linked (the workspace links point into the copy).
scratch() {
  local dest="$WORK/$1" entry
  mkdir -p "$dest/node_modules"
  (cd "$root" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$dest"
  for entry in "$root"/node_modules/* "$root"/node_modules/.bin; do
    case "$(basename "$entry")" in @fogpair) ;; *) ln -s "$entry" "$dest/node_modules/" ;; esac
  done
  mkdir -p "$dest/node_modules/@fogpair"
  for entry in shared producer consumer; do ln -s "../../$entry" "$dest/node_modules/@fogpair/$entry"; done
  # A git checkout of its own (the container checks copy what `git ls-files` lists); the mutation
  # is then an uncommitted change, which they copy too.
  git -C "$dest" init -q && git -C "$dest" add -A &&
    git -C "$dest" -c user.name=mutants -c user.email=mutants@localhost commit -qm "scratch copy of $(git -C "$root" rev-parse --short HEAD)"
  echo "$dest"
}

# mutate DIR FILE OLD NEW: replace the one occurrence of OLD in DIR/FILE by NEW.
mutate() {
  node -e '
    const fs = require("node:fs");
    const [file, from, to] = process.argv.slice(1);
    const text = fs.readFileSync(file, "utf8");
    const count = text.split(from).length - 1;
    if (count !== 1) {
      console.error(`mutation does not apply: ${count} occurrences in ${file} of:\n${from}`);
      process.exit(1);
    }
    fs.writeFileSync(file, text.replace(from, () => to));' "$1/$2" "$3" "$4"
}

# A lab folder whose script $1 fails, everything else linked to the real lab.
broken_lab() {
  local dest="$WORK/lab-without-$1" entry
  mkdir -p "$dest"
  for entry in "$LAB"/*; do ln -s "$entry" "$dest/"; done
  rm "$dest/$1"
  printf '#!/bin/sh\necho "mutant: %s fails" >&2\nexit 1\n' "$1" >"$dest/$1"
  chmod +x "$dest/$1"
  echo "$dest"
}

# verdict NAME CHECK EXPECTED_REGEX LOG CODE SECONDS
verdict() {
  local name=$1 check=$2 expected=$3 log=$4 code=$5 took=$6
  sed -i 's/\x1b\[[0-9;]*m//g' "$log" # colours off, so that the expected line matches as printed
  if [ "$code" != 0 ] && [ "$code" != 77 ] && grep -qE -- "$expected" "$log"; then
    results+=("$(printf 'CAUGHT    %-34s by %s (exit %s, %s s)' "$name" "$check" "$code" "$took")")
    say "CAUGHT $name: $(grep -m1 -E -- "$expected" "$log" | cut -c1-220)"
  else
    survivors=$((survivors + 1))
    results+=("$(printf 'SURVIVED  %-34s %s: exit %s, no line matching /%s/ (%s s; log %s)' "$name" "$check" "$code" "$expected" "$took" "$log")")
    say "SURVIVED $name (exit $code); the last lines of its run:"
    tail -15 "$log" | sed 's/^/    | /'
    cp "$log" "/tmp/fogpair-mutant-$name.log"
  fi
}

# run_mutant NAME CHECK EXPECTED_REGEX LOCKED(0|1) DIR COMMAND...: runs COMMAND in DIR, then the verdict.
run_mutant() {
  local name=$1 check=$2 expected=$3 locked=$4 dir=$5 log="$WORK/$1.log" code=0 t0=$SECONDS
  shift 5
  say "$name: running $check"
  if [ "$locked" = 1 ] && [ -n "$LOCK" ]; then
    (cd "$dir" && flock -o "$LOCK" "$@") >"$log" 2>&1 || code=$?
  else
    (cd "$dir" && "$@") >"$log" 2>&1 || code=$?
  fi
  verdict "$name" "$check" "$expected" "$log" "$code" "$((SECONDS - t0))"
}

# run_control NAME CHECK DIR COMMAND...: the same check on the unbroken input must pass, or a check
# that always fails would count as catching its mutant.
run_control() {
  local name=$1 check=$2 dir=$3 log="$WORK/$1.log" code=0 t0=$SECONDS
  shift 3
  (cd "$dir" && "$@") >"$log" 2>&1 || code=$?
  if [ "$code" = 0 ]; then
    results+=("$(printf 'PASSED    %-34s %s passes on the unbroken input (%s s)' "$name" "$check" "$((SECONDS - t0))")")
  else
    survivors=$((survivors + 1))
    results+=("$(printf 'BROKEN    %-34s %s fails on the unbroken input too (exit %s)' "$name" "$check" "$code")")
    tail -15 "$log" | sed 's/^/    | /'
  fi
}

# A mutation that does not apply is a survivor: the check it was meant to test goes untested.
not_applied() {
  survivors=$((survivors + 1))
  results+=("$(printf 'SURVIVED  %-34s the mutation does not apply any more (update test/mutants/run.sh)' "$1")")
  say "SURVIVED $1: the mutation does not apply"
}

wanted() { [ "${#selected[@]}" = 0 ] || printf '%s\n' "${selected[@]}" | grep -qx "$1"; }
selected=("$@")

# ---- 1. compose without read_only: the container checks must see a writable root filesystem
if wanted compose-without-read-only; then
  d="$(scratch compose-without-read-only)"
  if mutate "$d" docker-compose.yml $'  read_only: true\n' ''; then
    run_mutant compose-without-read-only 'test/containers/run.sh (read-only root filesystem)' \
      'FAIL  (producer|consumer) can write to .*read_only not in effect' 1 "$d" \
      env LAB="$LAB" FOGPAIR_TEST_SKIP_ARM64=1 FOGPAIR_TEST_FAIL_FAST=1 bash test/containers/run.sh
  else not_applied compose-without-read-only; fi
fi

# ---- 1b. a consumer whose first poll comes 8 s late: "3 numbers within 10 s of its start" must fail
if wanted consumer-starts-late; then
  d="$(scratch consumer-starts-late)"
  if mutate "$d" consumer/src/main.ts 'async function main(): Promise<void> {' \
    $'async function main(): Promise<void> {\n  await new Promise((resolve) => setTimeout(resolve, 8000));'; then
    run_mutant consumer-starts-late 'test/containers/run.sh (3 numbers within 10 s)' \
      'FAIL  consumer log within 10 s of its start' 1 "$d" \
      env LAB="$LAB" FOGPAIR_TEST_SKIP_ARM64=1 FOGPAIR_TEST_FAIL_FAST=1 bash test/containers/run.sh
  else not_applied consumer-starts-late; fi
fi

# ---- 2. a consumer that stops polling (after 12 polls; it stays healthy): every drill window must notice
if wanted consumer-stops-polling; then
  d="$(scratch consumer-stops-polling)"
  if mutate "$d" consumer/src/consumer.ts 'export function createConsumer({' \
    $'let mutantPolls = 0;\nexport function createConsumer({' &&
    mutate "$d" consumer/src/consumer.ts '        run: async () => {' $'        run: async () => {\n          if (++mutantPolls > 12) return;'; then
    run_mutant consumer-stops-polling 'test/swarm/run.sh (polls and numbers in each drill window, /stats)' \
      'FAIL  (3a|3b|4): .*(did not complete two more successful polls|polls at one per 3 s)' 1 "$d" \
      env LAB="$LAB" SWARM_TEST_FAIL_FAST=1 bash test/swarm/run.sh
  else not_applied consumer-stops-polling; fi
fi

# ---- 3. a lab step that fails: a failure, never "not run" (77)
if wanted lab-setup-fails; then
  d="$(scratch lab-setup-fails)"
  run_mutant lab-setup-fails '.ci/containers.sh (lab steps)' 'lab step failed \(exit 1\): .*/setup' 1 "$d" \
    env LAB="$(broken_lab setup)" bash .ci/containers.sh
fi
if wanted lab-base-images-fail; then
  d="$(scratch lab-base-images-fail)"
  run_mutant lab-base-images-fail 'test/swarm/run.sh (lab steps)' 'FAIL  lab: base images could not be made' 1 "$d" \
    env LAB="$(broken_lab base-images)" bash test/swarm/run.sh
fi

# ---- 4. a producer port that answers nothing: the published-port check must fail
if wanted producer-port-answers-nothing; then
  d="$(scratch producer-port-answers-nothing)"
  if mutate "$d" test/swarm/swarm-stack.lab.yml '- { target: 5000, published: 5000, protocol: tcp, mode: host }' \
    '- { target: 5999, published: 5000, protocol: tcp, mode: host }'; then
    run_mutant producer-port-answers-nothing 'test/swarm/run.sh (published ports)' \
      "FAIL  2\\. published port pi[0-9]:5000/number: x-served-by '' within 20 s" 1 "$d" \
      env LAB="$LAB" SWARM_TEST_FAIL_FAST=1 bash test/swarm/run.sh
  else not_applied producer-port-answers-nothing; fi
fi

# ---- 5. vm-proof's checks (the VM phases themselves take ~20 min of emulation; see docs/development.md)
if wanted vm-proof-checks; then
  d="$(scratch vm-proof-checks)"
  run_control vm-proof-served-by-answering 'served_by_within' "$d" bash test/swarm/vm-proof-checks.sh selftest answering-port
  run_control vm-proof-alternating 'strict_alternation' "$d" bash test/swarm/vm-proof-checks.sh selftest alternating
  run_mutant vm-proof-served-by-silent 'test/swarm/vm-proof-checks.sh served_by_within (retries until its deadline)' \
    'FAIL served_by_within: no answer naming' 0 "$d" bash test/swarm/vm-proof-checks.sh selftest silent-port
  run_mutant vm-proof-no-alternation 'test/swarm/vm-proof-checks.sh strict_alternation (one task'"'"'s log)' \
    'FAIL strict_alternation:' 0 "$d" bash test/swarm/vm-proof-checks.sh selftest one-producer
fi

# ---- 6. no UTS namespaces while the browser stage is required: "every replica answers" must not be skipped
if wanted browser-without-unshare; then
  d="$(scratch browser-without-unshare)"
  mkdir -p "$d/.mutant-bin"
  printf '#!/bin/sh\necho "unshare: mutant: not allowed" >&2\nexit 1\n' >"$d/.mutant-bin/unshare"
  chmod +x "$d/.mutant-bin/unshare"
  (cd "$d" && npm run --silent build >"$WORK/browser-build.log" 2>&1) || say "browser-without-unshare: build failed (see the run)"
  run_mutant browser-without-unshare 'test/browser/dashboard.test.ts (FOGPAIR_REQUIRE_BROWSER=1)' \
    'unshare --uts. is not allowed here' 0 "$d" \
    env PATH="$d/.mutant-bin:$PATH" FOGPAIR_REQUIRE_BROWSER=1 npx jest --selectProjects browser
fi

# ---- 7. retries with zero backoff: the retrying-fetch unit test must fail
if wanted retry-zero-backoff; then
  d="$(scratch retry-zero-backoff)"
  if mutate "$d" consumer/src/retrying-fetch.ts \
    'return { delay: Math.max(0, Math.min(next.duration, remaining() - requestTimeoutMs)), state: next };' \
    'return { delay: 0, state: next };'; then
    run_mutant retry-zero-backoff 'consumer/test/retrying-fetch.test.ts' 'Tests: +[0-9]+ failed' 0 "$d" \
      npx jest consumer/test/retrying-fetch.test.ts --selectProjects unit
  else not_applied retry-zero-backoff; fi
fi

printf '\n\033[1m==== test:mutants (%d s) ====\033[0m\n' "$((SECONDS - started))"
printf '%s\n' "${results[@]}"
if [ "$survivors" = 0 ] && [ "${#results[@]}" -gt 0 ]; then
  echo "every mutant caught (${#results[@]})"
  exit 0
fi
echo "$survivors mutant(s) survived"
exit 1
