#!/usr/bin/env bash
# The whole loop on this example against the local AWS sandbox: plan, apply,
# an approval made as code, changes made outside govctl, the plan that shows
# them, and the apply that puts things back. Run it through the sandbox:
#
#   govctl sandbox -- bash examples/ml-platform-aws/walkthrough.sh
#
# (`make run` does exactly that.) Nothing here touches a real AWS account:
# the sandbox's environment points every AWS call at 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
: "${GOVCTL_SANDBOX:?run this through the sandbox: govctl sandbox -- bash $0}"

step() { printf '\n\033[1m==> %s\033[0m\n\n' "$*"; }
plans="$(mktemp -d)"
trap 'rm -rf "$plans"' EXIT

# The sandbox starts empty every time, so a state left by an earlier run
# describes objects that no longer exist: start from none.
rm -f govctl.tfstate govctl.tfstate.backup govctl.audit.jsonl

step "govctl init: the providers this configuration needs are installed"
govctl init

step "govctl plan -out: the baseline, saved for review"
govctl plan -out "$plans/baseline.plan"

step "govctl apply PLANFILE: exactly the reviewed plan"
govctl apply "$plans/baseline.plan"

step "The training pipeline registers model version 1 (outside govctl)"
python3 sandbox_actors.py register-model

step "Approving version 1 for production is a reviewed change too"
govctl apply -auto-approve -var-file approve-v1.tfvars

step "Someone changes things by hand: rotation off, a bucket opened, version 1 rejected"
python3 sandbox_actors.py tamper

# expect CODE COMMAND...: run a command that must exit with CODE
expect() {
  local want="$1"; shift
  set +e
  "$@"
  local code=$?
  set -e
  if [ "$code" -ne "$want" ]; then
    echo "expected exit code $want from: $*; got $code" >&2
    exit 1
  fi
}

step "govctl drift audits the estate: attribute by attribute, unmanaged objects, coverage (exit 2: drift)"
expect 2 govctl drift -var-file approve-v1.tfvars

step "govctl check: the live estate against the ML baseline policies (exit 2: violations)"
expect 2 govctl check -var-file approve-v1.tfvars

step "govctl plan shows what changed outside govctl (exit code 2: changes)"
expect 2 govctl plan -detailed-exitcode -var-file approve-v1.tfvars

step "govctl apply restores the declared state"
govctl apply -auto-approve -var-file approve-v1.tfvars

step "and nothing is left to change (exit code 0), nor any drift or violation"
govctl plan -detailed-exitcode -var-file approve-v1.tfvars
govctl drift -var-file approve-v1.tfvars > /dev/null
govctl check -var-file approve-v1.tfvars

step "govctl audit: every apply is in a hash-chained log anchored in the state"
govctl audit show
govctl audit verify

step "govctl output"
govctl output
