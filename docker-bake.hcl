# Multi-arch images of fogpair for every node of a swarm: linux/amd64 (PCs) and linux/arm64 (Pis).
#
#   docker buildx bake -f docker-bake.hcl --push                    # both images, both platforms
#   REGISTRY=docker.io/you TAG=1.2.0 docker buildx bake -f docker-bake.hcl --push
#   npm run images:push                                             # the same, TAG from package.json
#
# Pass -f: without it bake also reads docker-compose.yml and merges its services in.
# --push of two platforms at once needs a builder with the docker-container driver
# (`docker buildx create --use --name fogpair`); the default `docker` driver builds one platform at a
# time (scripts/swarm.sh push --per-platform does that and joins them with `docker manifest`).
#
# Bake cannot read package.json; scripts/swarm.sh passes TAG=<version> and GIT_REVISION.

variable "REGISTRY" {
  # The registry service on the swarm's manager, reached as 127.0.0.1:5001 on every node (docs/raspberry-pi-swarm.md).
  default = "127.0.0.1:5001"
}

variable "TAG" {
  default = "latest"
}

variable "GIT_REVISION" {
  default = ""
}

group "default" {
  targets = ["producer", "consumer", "autoscaler"]
}

target "_common" {
  context   = "."
  platforms = ["linux/amd64", "linux/arm64"]
  # The Dockerfiles turn these into their OCI labels (version, revision); title, description,
  # source and licence are set there too.
  args = {
    VERSION  = TAG
    REVISION = GIT_REVISION
  }
  labels = {
    "org.opencontainers.image.created" = timestamp()
  }
}

target "producer" {
  inherits   = ["_common"]
  dockerfile = "Dockerfile-producer"
  tags       = tags("fogpair-producer")
}

target "consumer" {
  inherits   = ["_common"]
  dockerfile = "Dockerfile-consumer"
  tags       = tags("fogpair-consumer")
}

# Scales services by their labels (docs/autoscaling.md); deployed by swarm-autoscale.yml.
target "autoscaler" {
  inherits   = ["_common"]
  dockerfile = "Dockerfile-autoscaler"
  tags       = tags("fogpair-autoscaler")
}

# <registry>/<name>:<TAG>, and :latest as well, so that a plain `docker stack deploy` finds the newest push.
function "tags" {
  params = [name]
  result = distinct(["${REGISTRY}/${name}:${TAG}", "${REGISTRY}/${name}:latest"])
}
