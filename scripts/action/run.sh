#!/usr/bin/env bash
# The body of the mlsec GitHub Action (action.yml): scans, prints findings as annotations on the
# pull request, writes SARIF, and records the scan's exit code for the action's last step, so the
# SARIF upload between them runs whether or not findings fail the job.
#
# Inputs come as environment variables (never interpolated into the script: a path or option in
# a workflow file is data, not shell):
#   MLSEC_PATHS        paths to scan, separated by spaces or new lines (default: .)
#   MLSEC_FAIL_ON      error | warning | info | never (default: the project's fail-on, else error)
#   MLSEC_SARIF        SARIF file to write ('' to write none)
#   MLSEC_BASELINE     baseline file; only findings not in it are reported and fail the job
#   MLSEC_ANNOTATIONS  true | false: print findings as workflow annotations (default true)
#   MLSEC_ARGS         more options for `mlsec scan`, separated by spaces
#   MLSEC_BIN          the mlsec command (default: bin/mlsec.js next to this script)
#   GITHUB_OUTPUT      where step outputs go (set by the runner)
# Outputs: exit-code (0 clean, 1 findings at fail-on, 2 usage or internal error), sarif (path).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${MLSEC_BIN:-$here/../../bin/mlsec.js}"
output="${GITHUB_OUTPUT:-/dev/null}"

read -r -d '' -a paths <<<"${MLSEC_PATHS:-.}" || true
[[ ${#paths[@]} -gt 0 ]] || paths=(.)
read -r -d '' -a extra <<<"${MLSEC_ARGS:-}" || true

options=()
[[ -n "${MLSEC_FAIL_ON:-}" ]] && options+=(--fail-on "$MLSEC_FAIL_ON")
[[ -n "${MLSEC_BASELINE:-}" ]] && options+=(--baseline "$MLSEC_BASELINE")
options+=("${extra[@]}")

status=0
if [[ -n "${MLSEC_SARIF:-}" ]]; then
  node "$bin" scan "${paths[@]}" "${options[@]}" --format sarif --output "$MLSEC_SARIF" || status=$?
  if [[ -f "$MLSEC_SARIF" ]]; then echo "sarif=$MLSEC_SARIF" >>"$output"; fi
fi
if [[ "${MLSEC_ANNOTATIONS:-true}" == "true" ]]; then
  annotation_status=0
  node "$bin" scan "${paths[@]}" "${options[@]}" --format github || annotation_status=$?
  [[ -n "${MLSEC_SARIF:-}" ]] || status=$annotation_status
fi
if [[ -z "${MLSEC_SARIF:-}" && "${MLSEC_ANNOTATIONS:-true}" != "true" ]]; then
  node "$bin" scan "${paths[@]}" "${options[@]}" || status=$?
fi
echo "exit-code=$status" >>"$output"
echo "mlsec: scan exit code $status"
# Usage and internal errors end the step at once; findings are judged by the action's last step.
[[ $status -ne 2 ]] || exit 2
exit 0
