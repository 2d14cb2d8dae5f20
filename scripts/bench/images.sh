#!/usr/bin/env bash
# Image benchmark (docs/benchmarks.md, "Container images"), side by side in one run:
#   1. build: one layer from 200 MB in 20,000 files — ogf (plan with a cold cache: hash, tar,
#      gzip) against `umoci repack` of the same folder;
#   2. push: that image to an empty loopback registry — `ogf apply` against
#      `skopeo copy oci:LAYOUT docker://...`;
#   3. a no-change `ogf plan` of that image (file-hash and build caches warm);
#   4. the two-core limit: the cold build against `tar | pigz -6 -p 2` (and `tar | gzip -6`) of
#      the same folder, and with `compression: zstd` against `tar | zstd -6 -T2`.
# Medians from hyperfine. Needs: umoci, skopeo, docker-registry, pigz, zstd, hyperfine
# (scripts/install-deps.sh installs all but hyperfine: apt-get install hyperfine). Loopback only.
# ONLY=limit runs part 4 alone. OGF_BEFORE=/path/to/an/older/ogf adds that build's cold gzip
# plan to part 4, side by side (before/after figures come from one run).
#   scripts/bench/images.sh [RUNS]     (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
ROOT="$PWD"
OGF="${OGF:-$(swift build -c release --show-bin-path)/ogf}"
[ -x "$OGF" ] || { echo "build ogf first: swift build -c release --product ogf" >&2; exit 1; }
W="${BENCH_DIR:-/tmp/ogf-bench-images}"
PORT=15002
mkdir -p "$W"
[ -d "$W/data" ] || python3 scripts/bench/images-data.py "$W/data"

# A registry of its own on 127.0.0.1:15002, emptied before each push run.
REG="$W/registry"
cat > "$W/registry.yml" <<YML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $REG/storage}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$PORT, secret: bench-only}
YML
cat > "$W/registry-restart.sh" <<SH
#!/usr/bin/env bash
[ -f "$REG.pid" ] && kill \$(cat "$REG.pid") 2>/dev/null && sleep 0.3
rm -rf "$REG/storage"; mkdir -p "$REG"
nohup /usr/bin/docker-registry serve "$W/registry.yml" > "$REG.log" 2>&1 &
echo \$! > "$REG.pid"
for _ in \$(seq 100); do curl -s -o /dev/null http://127.0.0.1:$PORT/v2/ && break; sleep 0.05; done
SH
chmod +x "$W/registry-restart.sh"

# The ogf project: one image with one layer.
P="$W/project"
mkdir -p "$P/environments"
cat > "$P/environments/bench.yaml" <<YML
environment: bench
resources:
  image.bench:
    repository: 127.0.0.1:$PORT/bench/ogf
    tags: [bench]
    layers:
      - from: $W/data
        to: /data
YML

# umoci: an empty image, unpacked, with the same folder copied in; repack writes the layer.
U="$W/umoci"
if [ ! -d "$U/bundle" ]; then
  rm -rf "$U"; mkdir -p "$U"
  umoci init --layout "$U/layout"
  umoci new --image "$U/layout:base"
  umoci unpack --rootless --image "$U/layout:base" "$U/bundle"
  mkdir -p "$U/bundle/rootfs/data" && cp -a "$W/data/." "$U/bundle/rootfs/data/"
fi
cat > "$W/umoci-repack.sh" <<SH
#!/usr/bin/env bash
set -e
rm -rf "$U/work" && cp -a "$U/layout" "$U/work"
umoci repack --image "$U/work:base" "$U/bundle"
SH
chmod +x "$W/umoci-repack.sh"

# The same image with zstd layers, for part 4.
PZ="$W/project-zstd"
mkdir -p "$PZ/environments"
cat > "$PZ/environments/bench.yaml" <<YML
environment: bench
resources:
  image.bench:
    repository: 127.0.0.1:$PORT/bench/ogf-zstd
    compression: zstd
    layers:
      - from: $W/data
        to: /data
YML

limit() {
  echo "== 4. the two-core limit: cold builds against tar | pigz / zstd on the same folder"
  local TAR="tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C $W/data -cf - ."
  local before=()
  [ -n "${OGF_BEFORE:-}" ] && before=(--prepare "rm -rf $P/.ogf-cache $P/state" -n "ogf before (cold, gzip -6)"
                                       "$OGF_BEFORE plan -C $P bench --no-color --refresh false")
  hyperfine -N --runs "$RUNS" --export-json "$W/limit.json" "${before[@]}" \
    --prepare "rm -rf $P/.ogf-cache $P/state" -n "ogf plan (cold, gzip -6)" "$OGF plan -C $P bench --no-color --refresh false" \
    --prepare true -n "tar | pigz -6 -p 2" "bash -c '$TAR | pigz -6 -p 2 > $W/pigz.tgz'" \
    --prepare true -n "tar | gzip -6" "bash -c '$TAR | gzip -6 > $W/gzip.tgz'" \
    --prepare "rm -rf $PZ/.ogf-cache $PZ/state" -n "ogf plan (cold, zstd -6)" "$OGF plan -C $PZ bench --no-color --refresh false" \
    --prepare true -n "tar | zstd -6 -T2" "bash -c '$TAR | zstd -q -6 -T2 > $W/tar.zst'"
  python3 - "$W" <<'PY'
import json, sys, statistics
w = sys.argv[1]
m = {r["command"]: statistics.median(r["times"]) for r in json.load(open(f"{w}/limit.json"))["results"]}
for k, v in m.items(): print(f"  {k:<28} median {v:7.3f} s")
print(f"  ogf gzip / pigz -p 2: {m['ogf plan (cold, gzip -6)'] / m['tar | pigz -6 -p 2']:.2f}x (goal <= 1.2x)")
print(f"  ogf zstd / zstd -T2:  {m['ogf plan (cold, zstd -6)'] / m['tar | zstd -6 -T2']:.2f}x")
if 'ogf before (cold, gzip -6)' in m:
    print(f"  ogf before / pigz -p 2: {m['ogf before (cold, gzip -6)'] / m['tar | pigz -6 -p 2']:.2f}x")
PY
  ls -l "$W/pigz.tgz" "$W/tar.zst" | awk '{print "  " $5, $9}'
  find "$P/.ogf-cache/images/blobs" "$PZ/.ogf-cache/images/blobs" -type f -size +1M -printf '  %s %p\n'
}
if [ "${ONLY:-}" = limit ]; then limit; exit 0; fi

echo "== 1. build: one layer from $(du -sh "$W/data" | cut -f1) in $(find "$W/data" -type f | wc -l) files"
hyperfine -N --runs "$RUNS" --export-json "$W/build.json" \
  --prepare "rm -rf $P/.ogf-cache $P/state" -n "ogf plan (cold cache)" "$OGF plan -C $P bench --no-color" \
  --prepare "rm -rf $U/work" -n "umoci repack" "bash $W/umoci-repack.sh"
# umoci's time above includes copying its layout (small: no layers); the layer is the work.

echo "== 2. push to an empty registry"
"$OGF" plan -C "$P" bench --no-color >/dev/null      # builds into .ogf-cache (not timed)
bash "$W/registry-restart.sh"
"$OGF" apply -C "$P" bench -auto-approve --no-color >/dev/null
rm -rf "$W/layout" && skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$PORT/bench/ogf:bench" "oci:$W/layout:bench"
hyperfine -N --runs "$RUNS" --export-json "$W/push.json" \
  --prepare "bash -c 'rm -rf $P/state; bash $W/registry-restart.sh'" -n "ogf apply (push)" "$OGF apply -C $P bench -auto-approve --no-color" \
  --prepare "bash $W/registry-restart.sh" -n "skopeo copy" "skopeo copy -q --dest-tls-verify=false oci:$W/layout:bench docker://127.0.0.1:$PORT/bench/skopeo:bench"

echo "== 3. no-change plan"
bash "$W/registry-restart.sh"
rm -rf "$P/state"; "$OGF" apply -C "$P" bench -auto-approve --no-color >/dev/null
hyperfine -N --warmup 2 --runs $((RUNS * 4)) --export-json "$W/noop.json" \
  -n "ogf plan (no change)" "$OGF plan -C $P bench --no-color" \
  -n "ogf plan --refresh false" "$OGF plan -C $P bench --no-color --refresh false"
"$OGF" plan -C "$P" bench --no-color | tail -2

limit

python3 - "$W" <<'PY'
import json, sys, statistics
w = sys.argv[1]
print("\nmedians:")
for f in ("build", "push", "noop"):
    for r in json.load(open(f"{w}/{f}.json"))["results"]:
        print(f"  {r['command']:<28} median {statistics.median(r['times']):7.3f} s  (min {min(r['times']):.3f}, max {max(r['times']):.3f}, runs {len(r['times'])})")
PY
[ -f "$REG.pid" ] && kill "$(cat "$REG.pid")" 2>/dev/null || true
