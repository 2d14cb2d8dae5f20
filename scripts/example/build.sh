#!/bin/sh
# Stand-in for OffGridFlow's build (go build, next build): writes a build manifest.
set -eu
release="${1:-dev}"
mkdir -p build
printf 'release=%s\nbuilt_at=%s\n' "$release" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > build/manifest.txt
echo "built OffGridFlow $release (api, worker, web)"
