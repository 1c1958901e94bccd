#!/usr/bin/env bash
# Team setup, step by step, against the local AWS sandbox (README: "Team
# setup"). Run it through the sandbox:
#
#   govctl sandbox -- bash examples/team-setup/walkthrough.sh
#
# 1. an administrator creates the state bucket and key (bootstrap/);
# 2. the team's configuration (platform/) has been run with local state;
# 3. adding backend.hcl moves its state to the bucket, encrypted with KMS;
# 4. a second runner holding the lock, workspaces, re-encryption, and an old
#    state put back in the bucket, which every client refuses.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
: "${GOVCTL_SANDBOX:?run this through the sandbox: govctl sandbox -- bash $0}"

step() { printf '\n\033[1m==> %s\033[0m\n\n' "$*"; }
# the sandbox starts empty: so does this walkthrough
rm -rf bootstrap/govctl.tfstate* bootstrap/govctl.audit.jsonl bootstrap/.govctl \
       platform/govctl.tfstate* platform/govctl.audit.jsonl platform/.govctl platform/backend.hcl
export GOVCTL_HOME="$here/.govctl-home"      # this machine's memory of state serials
rm -rf "$GOVCTL_HOME"

step "1. The administrator creates the state bucket and its KMS key (local state)"
govctl -chdir=bootstrap init
govctl -chdir=bootstrap apply -auto-approve

step "2. The team has been working with local state"
govctl -chdir=platform init
govctl -chdir=platform apply -auto-approve

step "3. backend.hcl added: plan refuses until the state is moved"
cp backend.hcl platform/backend.hcl
if govctl -chdir=platform plan -no-color; then exit 1; fi

step "govctl init -migrate-state copies the state into the bucket, encrypted"
govctl -chdir=platform init -migrate-state
rm -f platform/govctl.tfstate platform/govctl.tfstate.backup platform/govctl.audit.jsonl
govctl -chdir=platform plan -detailed-exitcode
python3 team_actors.py show-object

step "4. Another runner holds the lock: a plan fails at once and names it"
python3 team_actors.py hold-lock 4 &
holder=$!
sleep 1.5
if govctl -chdir=platform plan -no-color; then exit 1; fi

step "With -lock-timeout the plan waits for the lock instead"
govctl -chdir=platform plan -lock-timeout=20s -detailed-exitcode
wait "$holder"

step "Workspaces: one state object per workspace in the same bucket"
govctl -chdir=platform workspace new staging
govctl -chdir=platform apply -auto-approve
govctl -chdir=platform workspace select default
govctl -chdir=platform workspace list

step "govctl state rekey: the state written again with a fresh data key"
govctl -chdir=platform state rekey

step "Someone puts an older state back in the bucket: every client refuses it"
python3 team_actors.py replay
if govctl -chdir=platform plan -no-color; then exit 1; fi
python3 team_actors.py undo-replay
govctl -chdir=platform plan -detailed-exitcode

step "The audit log travelled with the state"
govctl -chdir=platform audit verify
