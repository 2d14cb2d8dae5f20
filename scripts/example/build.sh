#!/bin/sh
# Stand-in for OffGridFlow's build (go build, next build). The "binaries" are the small Python
# stand-ins committed under examples/offgridflow/build/{api,worker,web} (the image.* layers): a
# real pipeline builds them first and plans after. This checks they parse, and writes a manifest.
set -eu
release="${1:-dev}"
python3 -c 'import ast, sys
for f in sys.argv[1:]:
    ast.parse(open(f).read(), f)' examples/offgridflow/build/api/server.py examples/offgridflow/build/worker/worker.py \
  examples/offgridflow/build/web/serve.py
mkdir -p build
printf 'release=%s\nbuilt_at=%s\n' "$release" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > build/manifest.txt
echo "built OffGridFlow $release (api, worker, web)"
