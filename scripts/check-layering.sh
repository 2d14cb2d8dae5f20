#!/usr/bin/env bash
# Fails when a Sources target imports a module its layer may not use (Package.swift's comment):
# kind targets never import each other or the engine beyond OGFCore, the engine never imports a
# kind, and OGFCore imports nothing of ogf's. Runs in CI (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [OGFCore]=""
  [OGFSQLLint]=""
  [OGFYAML]="OGFCore"
  [OGFSupport]="OGFCore"
  [OGFHTTP]=""
  [OGFObservability]="OGFCore OGFHTTP"
  [OGFAWS]="OGFCore OGFHTTP OGFSupport"
  [OGFConfig]="OGFCore OGFYAML"
  [OGFGraph]="OGFCore"
  [OGFPlan]="OGFCore OGFConfig OGFGraph"
  [OGFState]="OGFCore OGFPlan"
  [OGFStatePostgres]="OGFCore OGFPlan OGFState OGFRecords"
  [OGFApply]="OGFCore OGFConfig OGFGraph OGFPlan OGFState"
  [OGFRecords]="OGFCore OGFState"
  [OGFNotify]="OGFCore OGFHTTP OGFState OGFRecords"
  [OGFKinds]="OGFCore OGFHTTP OGFSupport OGFObservability"
  [OGFDatabase]="OGFCore OGFSupport OGFSQLLint"
  [OGFImages]="OGFCore OGFHTTP OGFSupport"
  [OGFKubernetes]="OGFCore OGFHTTP OGFYAML OGFSupport OGFObservability"
  [OGFCloud]="OGFCore OGFHTTP OGFSupport OGFAWS"
  [OGFCatalogue]="OGFCore OGFHTTP OGFSupport OGFKinds OGFDatabase OGFImages OGFKubernetes OGFCloud"
  [OGFCommands]="*"
  [ogf]="OGFCommands"
  [ogf-bench]="*"
)
bad=0
for dir in Sources/*/; do
  target=$(basename "$dir")
  [[ "$target" == C* ]] && continue
  if [[ ! -v allowed[$target] ]]; then
    echo "check-layering: target $target has no layer in scripts/check-layering.sh; add it (and to Package.swift's comment)" >&2
    bad=1; continue
  fi
  ok=" ${allowed[$target]} "
  [[ "$ok" == " * " ]] && continue
  while IFS=: read -r file line mod; do
    if [[ "$ok" != *" $mod "* ]]; then
      echo "$file:$line: error: $target may not import $mod (layering: see Package.swift)" >&2
      bad=1
    fi
  done < <(grep -rnoE '^(@testable )?import OGF[A-Za-z]+' "$dir" --include='*.swift' | sed -E 's/(@testable )?import //')
done
[ "$bad" -eq 0 ] && echo "==> layering: every import follows Package.swift's layers"
exit "$bad"
