#!/usr/bin/env bash
# The checks of test/swarm/vm-proof.sh that read answers and logs, kept apart so that they can be
# tried without VMs (test/mutants/run.sh):
#
#   source test/swarm/vm-proof-checks.sh              the functions, for vm-proof.sh
#   bash test/swarm/vm-proof-checks.sh selftest CASE  one case on loopback stand-ins; exit 0 = check passed
#     CASE: answering-port   a server that names itself in x-served-by     (served_by_within must pass)
#           silent-port      a server that accepts and never answers        (served_by_within must fail)
#           alternating      a consumer log that alternates A B A B …       (strict_alternation must pass)
#           one-producer     a consumer log where every poll went to A      (strict_alternation must fail)

# served_by URL: the x-served-by header of one GET (a new connection), or nothing.
served_by() {
  curl -s --max-time 5 -D - -o /dev/null "$1" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-served-by" {print $2}'
}

# served_by_within SECONDS URL NAME...: asks URL again and again until the answer names one of NAME
# (and, with two or more NAMEs, until every NAME has answered), or fails when SECONDS are up.
# Prints what answered.
served_by_within() {
  local deadline=$((SECONDS + $1)) url=$2 answer seen=() name missing
  shift 2
  while :; do
    answer="$(served_by "$url")"
    if [ -n "$answer" ] && printf '%s\n' "$@" | grep -qxF -- "$answer"; then
      printf '%s\n' "${seen[@]+"${seen[@]}"}" | grep -qxF -- "$answer" || seen+=("$answer")
      missing=""
      for name in "$@"; do printf '%s\n' "${seen[@]}" | grep -qxF -- "$name" || missing+=" $name"; done
      if [ -z "$missing" ]; then
        echo "${seen[*]}"
        return 0
      fi
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "FAIL served_by_within: no answer naming every one of: $* from $url (last answer: '${answer}'; seen: ${seen[*]-none})"
      return 1
    fi
    sleep 1
  done
}

# strict_alternation N A B: reads the producer names of one consumer task's polls (oldest first, one
# a line) on stdin; passes when the last N came from A and B only and no two in a row from the same.
strict_alternation() {
  local n=$1 a=$2 b=$3 names
  names="$(tail -n "$n")"
  if [ "$(grep -c . <<<"$names")" -lt "$n" ]; then
    echo "FAIL strict_alternation: fewer than $n polls: $(tr '\n' ' ' <<<"$names")"
    return 1
  fi
  if ! awk -v a="$a" -v b="$b" '($0 != a && $0 != b) || $0 == prev { exit 1 } { prev = $0 }' <<<"$names"; then
    echo "FAIL strict_alternation: the last $n polls do not alternate between $a and $b: $(tr '\n' ' ' <<<"$names")"
    return 1
  fi
  echo "the last $n polls alternate strictly between $a and $b: $(tr '\n' ' ' <<<"$names")"
}

# ---- selftest: loopback stand-ins for what the VMs would answer
selftest_server() { # MODE (answer|silent): prints the port; the server runs in the background
  node -e '
    const net = require("node:net");
    const mode = process.argv[1];
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      if (mode === "answer") {
        socket.end("HTTP/1.1 200 OK\r\nx-served-by: producer-a\r\ncontent-type: application/json\r\ncontent-length: 13\r\nconnection: close\r\n\r\n{\"number\":42}");
      }
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));
    setTimeout(() => process.exit(0), 60_000).unref();
    process.on("SIGTERM", () => process.exit(0));' "$1" &
  server_pid=$!
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = selftest ]; then
  set -uo pipefail
  case "${2:-}" in
    answering-port | silent-port)
      ports="$(mktemp)"
      selftest_server "$([ "$2" = answering-port ] && echo answer || echo silent)" >"$ports"
      for _ in $(seq 50); do [ -s "$ports" ] && break; sleep 0.1; done
      port="$(head -1 "$ports")"
      rm -f "$ports"
      code=0
      served_by_within 8 "http://127.0.0.1:$port/number" producer-a || code=$?
      kill "$server_pid" 2>/dev/null
      exit "$code"
      ;;
    alternating) printf '%s\n' a b a b a b a b a b | strict_alternation 8 a b ;;
    one-producer) printf '%s\n' a b a a a a a a a a | strict_alternation 8 a b ;;
    *)
      echo "usage: $0 selftest answering-port|silent-port|alternating|one-producer" >&2
      exit 2
      ;;
  esac
fi
