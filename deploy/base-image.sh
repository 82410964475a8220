#!/usr/bin/env bash
# Build a Debian 12 (bookworm) base image with python3 + venv from Debian packages alone, for machines that
# reach Debian's archive but no container registry (this repository's CI). Real users don't need it: the
# Dockerfile's default base is python:3.11-slim.
#
#   deploy/base-image.sh [IMAGE]          # default: localhost/nearhit-base:bookworm
#
# The image is kept in the local containers storage; a second run with the same package list does nothing
# (`podman rmi localhost/nearhit-base:bookworm` forces a fresh one, with the archive's current packages).
# Needs root, debootstrap and buildah (deploy/image-test.sh installs them).
set -euo pipefail

IMAGE="${1:-localhost/nearhit-base:bookworm}"
SUITE="${BASE_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PACKAGES="python3,python3-venv,ca-certificates,tzdata"
# The label records what went in, so a change of the package list rebuilds the image.
RECIPE="debootstrap --variant=minbase --include=${PACKAGES} ${SUITE}"

if buildah inspect --type image "$IMAGE" >/dev/null 2>&1; then
    have="$(buildah inspect --type image --format '{{index .ImageAnnotations "org.nearhit.base.recipe"}}{{index .Docker.Config.Labels "org.nearhit.base.recipe"}}' "$IMAGE" 2>/dev/null || true)"
    if [[ "$have" == *"$RECIPE"* ]]; then
        echo "base image $IMAGE is cached ($RECIPE)"
        exit 0
    fi
    echo "base image $IMAGE was made differently: rebuilding"
fi

work="$(mktemp -d /var/tmp/nearhit-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
echo "debootstrap $SUITE (minbase + $PACKAGES) from $MIRROR ..."
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
}
# Smaller and reproducible-ish: no package caches, lists or logs in the image.
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
    "$work"/rootfs/var/log/* "$work"/rootfs/tmp/* "$work"/rootfs/root/.cache
tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .

ctr="$(buildah from --format docker scratch)"
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
buildah add "$ctr" "$work/rootfs.tar" / >/dev/null
buildah config \
    --env LANG=C.UTF-8 \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd /bin/bash \
    --label "org.nearhit.base.recipe=$RECIPE" \
    "$ctr"
buildah commit --format docker --rm "$ctr" "$IMAGE" >/dev/null
trap 'rm -rf "$work"' EXIT
echo "base image $IMAGE built ($(buildah inspect --type image --format '{{.FromImageID}}' "$IMAGE" | cut -c1-12))"
