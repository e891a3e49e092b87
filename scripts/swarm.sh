#!/usr/bin/env bash
# Images and stack of fogpair on a Docker Swarm. Run from anywhere; works on the repository root.
#
#   scripts/swarm.sh build                  images for this machine's platform, loaded into the local docker
#   scripts/swarm.sh push                   amd64 + arm64 images, pushed as one multi-arch tag (buildx bake --push)
#   scripts/swarm.sh push --per-platform    the same with the plain `docker` build driver: one platform at a
#                                           time, pushed as <tag>-amd64 / <tag>-arm64, joined by `docker manifest`
#   scripts/swarm.sh deploy [ARGS...]       docker stack deploy -c swarm-stack.yml [ARGS...] $STACK
#   scripts/swarm.sh deploy-autoscale [ARGS...]
#                                           the same plus -c swarm-autoscale.yml: Prometheus and the autoscaler
#   scripts/swarm.sh rm                     docker stack rm $STACK
#
# Environment (all optional):
#   REGISTRY   image registry                  default 127.0.0.1:5001 (see docs/raspberry-pi-swarm.md)
#   TAG        image tag                       default the version in package.json
#   STACK      stack name                      default fogpair
#   INSECURE   1 = the registry speaks plain HTTP (docker manifest --insecure, --per-platform only);
#              default: 1 for localhost/127.x and for registries in the daemon's insecure-registries
#   PLATFORMS  for --per-platform              default "linux/amd64 linux/arm64"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export REGISTRY="${REGISTRY:-127.0.0.1:5001}"
export TAG="${TAG:-$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)}"
export GIT_REVISION="${GIT_REVISION:-$(git rev-parse HEAD 2>/dev/null || true)}"
STACK="${STACK:-fogpair}"
# Every target of docker-bake.hcl's default group; the autoscaler is deployed by swarm-autoscale.yml only.
IMAGES=(fogpair-producer fogpair-consumer fogpair-autoscaler)

say() { printf '\033[1m[swarm]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[swarm] %s\033[0m\n' "$*" >&2; exit 1; }

bake() { docker buildx bake -f docker-bake.hcl "$@"; }

# docker manifest talks HTTPS unless told otherwise; the daemon's insecure-registries does not apply to it.
manifest_flags() {
  case "${INSECURE:-auto}" in
    1 | true | yes) echo --insecure ;;
    0 | false | no) ;;
    *)
      local host="${REGISTRY%%/*}"
      case "$host" in localhost:* | 127.*) echo --insecure; return ;; esac
      docker info --format '{{json .RegistryConfig.IndexConfigs}}' 2>/dev/null |
        grep -q "\"${host}\":{[^}]*\"Secure\":false" && echo --insecure || true
      ;;
  esac
}

build_local() {
  say "building ${IMAGES[*]} for this machine's platform, tag ${TAG}"
  bake --set "*.platform=$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')" --load
  for image in "${IMAGES[@]}"; do say "  ${REGISTRY}/${image}:${TAG}"; done
}

push_multiarch() {
  say "building and pushing ${IMAGES[*]} for linux/amd64 + linux/arm64 to ${REGISTRY}, tag ${TAG}"
  bake --push
}

# For builders that cannot build two platforms into one push (the default `docker` driver, a plain-HTTP
# registry buildx will not talk to): build each platform, push it under its own tag, then write the
# manifest list with the docker CLI.
push_per_platform() {
  local platforms=(${PLATFORMS:-linux/amd64 linux/arm64}) native flags image platform arch refs
  native="$(docker version --format '{{.Server.Os}}/{{.Server.Arch}}')"
  flags="$(manifest_flags)"
  # Build the native platform last, so that the plain local tags end up matching this machine.
  mapfile -t platforms < <(
    printf '%s\n' "${platforms[@]}" | grep -vx "$native" || true
    printf '%s\n' "${platforms[@]}" | grep -x "$native" || true
  )
  for platform in "${platforms[@]}"; do
    arch="${platform#*/}"
    arch="${arch//\//-}"
    say "building ${platform}"
    bake --set "*.platform=${platform}" --load
    for image in "${IMAGES[@]}"; do
      docker tag "${REGISTRY}/${image}:${TAG}" "${REGISTRY}/${image}:${TAG}-${arch}"
      docker push --quiet "${REGISTRY}/${image}:${TAG}-${arch}" >/dev/null
      say "  pushed ${REGISTRY}/${image}:${TAG}-${arch}"
    done
  done
  for image in "${IMAGES[@]}"; do
    refs=()
    for platform in "${platforms[@]}"; do
      arch="${platform#*/}"
      refs+=("${REGISTRY}/${image}:${TAG}-${arch//\//-}")
    done
    for tag in "$TAG" latest; do
      # shellcheck disable=SC2086 # $flags is empty or one word
      docker manifest create $flags --amend "${REGISTRY}/${image}:${tag}" "${refs[@]}" >/dev/null
      # shellcheck disable=SC2086
      docker manifest push $flags --purge "${REGISTRY}/${image}:${tag}" >/dev/null
      say "  pushed ${REGISTRY}/${image}:${tag} (${platforms[*]})"
    done
  done
}

deploy() {
  say "deploying stack ${STACK}: ${REGISTRY}/{$(IFS=,; echo "${IMAGES[*]}")}:${TAG}"
  docker stack deploy -c swarm-stack.yml "$@" "$STACK"
  say "watch it: docker stack ps ${STACK}   ·   docker service logs -f ${STACK}_consumer"
}

# Swarm configs cannot change: a new prometheus.yml gets a new config name (its hash), and the
# Prometheus task restarts with it.
deploy_autoscale() {
  export PROMETHEUS_CONFIG_VERSION="${PROMETHEUS_CONFIG_VERSION:-$(sha256sum prometheus/prometheus.yml | cut -c1-12)}"
  say "deploying stack ${STACK} with swarm-autoscale.yml: Prometheus (config ${PROMETHEUS_CONFIG_VERSION}) and ${REGISTRY}/fogpair-autoscaler:${TAG}"
  docker stack deploy -c swarm-stack.yml -c swarm-autoscale.yml "$@" "$STACK"
  say "watch it: docker service logs -f ${STACK}_autoscaler   ·   docker service ls"
}

case "${1:-}" in
  build) build_local ;;
  push)
    case "${2:-}" in
      "") push_multiarch ;;
      --per-platform) push_per_platform ;;
      *) die "unknown option for push: $2 (expected --per-platform)" ;;
    esac
    ;;
  deploy) shift; deploy "$@" ;;
  deploy-autoscale) shift; deploy_autoscale "$@" ;;
  rm) docker stack rm "$STACK" ;;
  -h | --help | help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
  *) die "usage: $0 build | push [--per-platform] | deploy [docker stack deploy args...] | deploy-autoscale [args...] | rm   (--help for more)" ;;
esac
