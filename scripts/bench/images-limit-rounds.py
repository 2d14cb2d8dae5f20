#!/usr/bin/env python3
"""Part 4 of scripts/bench/images.sh (the two-core limit) in interleaved rounds: each round runs
every command once, in a rotated order, so that load from other work on a shared machine falls
on all of them alike (hyperfine runs one command's runs back to back). Cold ogf caches before
each ogf run. Wall-clock medians, CPU (user + sys) medians, ratios to pigz / zstd.

Run scripts/bench/images.sh once first (it writes the data and the projects), then:
  scripts/bench/images-limit-rounds.py [ROUNDS] [COMMAND...]
COMMAND: ogf, ogf:zstd, before, before:zstd (the build in $OGF_BEFORE), pigz, gzip, zstd;
default: ogf pigz ogf:zstd zstd (plus before and before:zstd when OGF_BEFORE is set).
CPU=N pins every command to core N (taskset), for a one-core comparison.
"""
import os, resource, shutil, statistics, subprocess, sys, time

root = os.path.dirname(os.path.abspath(__file__)) + "/../.."
W = os.environ.get("BENCH_DIR", "/tmp/ogf-bench-images")
OGF = os.environ.get("OGF") or subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root,
                                                capture_output=True, text=True, check=True).stdout.strip() + "/ogf"
BEFORE = os.environ.get("OGF_BEFORE")
rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
names = sys.argv[2:] or (["before"] if BEFORE else []) + ["ogf", "pigz"] + (["before:zstd"] if BEFORE else []) + ["ogf:zstd", "zstd"]
TAR = f"tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C {W}/data -cf - ."


def command(name):
    tools = {"pigz": f"{TAR} | pigz -6 -p 2 > {W}/pigz.tgz", "gzip": f"{TAR} | gzip -6 > {W}/gzip.tgz",
             "zstd": f"{TAR} | zstd -q -6 -T2 > {W}/tar.zst"}
    if name in tools:
        return ["bash", "-c", tools[name]], None
    build, _, zstd = name.partition(":")
    binary = BEFORE if build == "before" else OGF
    project = f"{W}/project-zstd" if zstd else f"{W}/project"
    return [binary, "plan", "-C", project, "bench", "--no-color", "--refresh", "false"], project


wall = {n: [] for n in names}
cpu = {n: [] for n in names}
loads = []
for r in range(rounds):
    loads.append(os.getloadavg()[0])
    for n in names[r % len(names):] + names[:r % len(names)]:
        argv, project = command(n)
        if project:
            for d in (".ogf-cache", "state"):
                shutil.rmtree(f"{project}/{d}", ignore_errors=True)
        if os.environ.get("CPU"):
            argv = ["taskset", "-c", os.environ["CPU"]] + argv
        u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        wall[n].append(time.monotonic() - t0)
        u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[n].append(u1.ru_utime - u0.ru_utime + u1.ru_stime - u0.ru_stime)

print(f"{rounds} rounds, load average at the start of a round {min(loads):.1f}-{max(loads):.1f}")
for n in names:
    m, c = statistics.median(wall[n]), statistics.median(cpu[n])
    peer = "zstd" if n.endswith("zstd") else "pigz"
    ratio = f"  {m / statistics.median(wall[peer]):.2f}x of {peer} (cpu {c / statistics.median(cpu[peer]):.2f}x)" \
        if peer in wall and peer != n else ""
    print(f"  {n:<12} median {m:6.3f} s  cpu {c:5.2f} s{ratio}   [{' '.join(f'{x:.2f}' for x in wall[n])}]")
