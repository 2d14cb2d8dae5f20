#!/usr/bin/env bash
# Benchmark: gate_git_secrets over a generated repository of FILES tracked files and COMMITS
# commits, against git itself searching the same literal values, side by side in one run:
#
#   - ogf:   `ogf apply bench` with only gate_git_secrets.repo (history: COMMITS): the whole
#            command (configuration, the gate's git grep -F / -E of the tree, git ls-files, git log -p
#            of the history and ogf's scan of its added lines, state write).
#   - peer:  `git grep -F -f VALUES` of the tree plus `git log -p -n COMMITS | grep -F -f VALUES`: the
#            same literal values over the same tree and history with git and grep alone.
#   - tree:  `git grep -F -f VALUES` of the tree only (history: 0 has the same scope), with ogf's
#            history: 0 run beside it.
#
# Medians of RUNS hyperfine runs each. The gate also looks for the key shapes (second git grep)
# and tracked .env files, which the peer does not: the ratio is conservative.
#
#   scripts/bench/git-secrets.sh                       # FILES=10000 COMMITS=1000 RUNS=5
#   FILES=2000 COMMITS=200 OGF=.build/debug/ogf scripts/bench/git-secrets.sh
#
# Needs: git, python3, hyperfine.
set -euo pipefail
cd "$(dirname "$0")/../.."
FILES="${FILES:-10000}"
COMMITS="${COMMITS:-1000}"
RUNS="${RUNS:-5}"
if [ -z "${OGF:-}" ]; then
  swift build -c release --product ogf 2>&1 | grep -E "error|Compiling|Build" | tail -2 >&2 || true
  OGF="$(swift build -c release --show-bin-path)/ogf"
fi
command -v hyperfine >/dev/null || { echo "hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
W="$(mktemp -d /tmp/ogf-bench-secrets-XXXXXX)"
trap 'rm -rf "$W"' EXIT
R="$W/repo"

echo "generating $FILES files and $COMMITS commits in $R" >&2
python3 - "$R" "$FILES" "$COMMITS" "$W/values" <<'PY'
import os, random, subprocess, sys
repo, files, commits, values_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(42)
alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
def token(n): return "".join(rnd.choice(alnum) for _ in range(n))
words = ["energy", "grid", "solar", "battery", "inverter", "site", "reading", "kwh", "forecast", "tariff", "import", "export"]
def line(): return " ".join(rnd.choice(words) for _ in range(8)) + " " + token(24) + "\n"
# Six configured values; one is planted in history and removed, one stays in a file.
values = ["bench-secret-" + token(32) for _ in range(6)]
with open(values_file, "w") as f: f.write("\n".join(values) + "\n")
os.makedirs(repo)
env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.invalid", GIT_COMMITTER_NAME="b",
           GIT_COMMITTER_EMAIL="b@example.invalid", GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
def git(*a): subprocess.run(["git", "-C", repo, *a], check=True, env=env, stdout=subprocess.DEVNULL)
git("init", "-q", "-b", "main")
paths = [f"src/pkg{i % 100:03d}/file{i:05d}.go" for i in range(files)]
for p in paths:
    os.makedirs(os.path.join(repo, os.path.dirname(p)), exist_ok=True)
    with open(os.path.join(repo, p), "w") as f: f.writelines(line() for _ in range(40))
git("add", "-A"); git("commit", "-q", "-m", "initial")
# The rest through fast-import: COMMITS-1 commits, each changing 10 files.
state = {p: open(os.path.join(repo, p)).read() for p in paths}
fi = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env)
out = []
for c in range(1, commits):
    out.append(f"commit refs/heads/main\ncommitter b <b@example.invalid> {1767225600 + c} +0000\ndata 8\nchange {c % 10}\n")
    if c == 1: out.append("from refs/heads/main^0\n")
    changed = rnd.sample(paths, 10)
    if c in (commits // 2, commits // 2 + 1) and paths[7] not in changed: changed[0] = paths[7]
    for p in changed:
        text = state[p] + line()
        if c == commits // 2 and p == paths[7]: text += "token = " + values[0] + "\n"
        if c == commits // 2 + 1: text = text.replace("token = " + values[0] + "\n", "")
        state[p] = text
        b = text.encode()
        out.append(f"M 100644 inline {p}\ndata {len(b)}\n")
        out.append(text + "\n")
    if c == commits - 1:
        text = state[paths[3]] + "key: " + values[1] + "\n"
        state[paths[3]] = text
        out.append(f"M 100644 inline {paths[3]}\ndata {len(text.encode())}\n{text}\n")
fi.communicate("".join(out).encode())
git("reset", "-q", "--hard", "main")
PY
git -C "$R" count-objects -vH | grep size-pack >&2

# The ogf project: env_file holds the six values (what ogf calls configured secrets).
mkdir -p "$W/ogf/environments"
awk '{printf "BENCH_SECRET_%d=%s\n", NR, $0}' "$W/values" > "$W/ogf/environments/bench.env"
for h in "$COMMITS" 0; do
  cat > "$W/ogf/environments/bench$h.yaml" <<YAML
environment: bench$h
protected: false
env_file: environments/bench.env
resources:
  gate_git_secrets.repo:
    path: $R
    history: $h
    allow:
      - {path: "src/*", reason: "benchmark: the planted values are expected"}
YAML
done
# Check that both engines find the planted values before timing them.
"$OGF" apply -C "$W/ogf" "bench$COMMITS" --auto-approve --no-color > "$W/check.log" 2>&1 || { cat "$W/check.log"; exit 1; }
grep -q "3 allowed" "$W/check.log" || { echo "ogf did not find the planted values (tree, and two added lines in history):" >&2; cat "$W/check.log" >&2; exit 1; }
[ "$(git -C "$R" grep -F -f "$W/values" | wc -l)" = 1 ] || { echo "git grep did not find the value in the tree" >&2; exit 1; }
[ "$(git -C "$R" log -p -n "$COMMITS" | grep -F -f "$W/values" | wc -l)" -ge 2 ] || { echo "git log | grep did not find the history value" >&2; exit 1; }

hyperfine --runs "$RUNS" --warmup 1 --export-json "$W/h.json" -N \
  -n "ogf history=$COMMITS" "$OGF apply -C $W/ogf bench$COMMITS --auto-approve --no-color" \
  -n "peer git grep + git log -p | grep" "sh -c 'git -C $R grep -F -f $W/values >/dev/null; git -C $R log -p -n $COMMITS | grep -F -f $W/values >/dev/null'" \
  -n "ogf history=0" "$OGF apply -C $W/ogf bench0 --auto-approve --no-color" \
  -n "git grep -F (tree)" "sh -c 'git -C $R grep -F -f $W/values >/dev/null || true'" >&2
python3 - "$W/h.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
names = list(r)
print(f"{'':40} median")
for n in names: print(f"{n:40} {r[n]:.3f} s")
print(f"ratio ogf / peer (tree + history): {r[names[0]] / r[names[1]]:.2f}x")
print(f"ratio ogf / git grep (tree only):  {r[names[2]] / r[names[3]]:.2f}x")
PY
