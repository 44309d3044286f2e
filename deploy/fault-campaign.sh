#!/usr/bin/env bash
# Fault campaign against nginx + several `rsp serve smdpp` replicas (docs/deploy.md,
# "Fault campaign"). Loopback only, bounded in time: everything (a private PostgreSQL
# cluster in a temporary directory, the replicas, nginx on the shipped template, the
# Operator's ES2+ endpoint, the LPAs with virtual eUICCs) runs on 127.0.0.1 and is stopped
# at the end. The machine's own PostgreSQL is never touched.
#
# Usage: deploy/fault-campaign.sh [SECONDS]     load duration, default 120 (CI runs 24)
# Needs: nginx with the stream module (Debian: nginx + libnginx-mod-stream), PostgreSQL
# server binaries (/usr/lib/postgresql/<v>/bin, or RSP_PG_BIN), psql; as root also runuser
# (the cluster runs as the `postgres` user).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
case "$secs" in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac
# Fail (not skip) when a tool is missing.
export CI="${CI:-true}" RSP_FAULT_CAMPAIGN_SECS="$secs"
cargo test -p rsp --locked --test fault_campaign --no-run
# Load + drain (the outbox lease is 60 s) + set-up, with room to spare.
exec timeout "$((secs * 2 + 240))" \
  cargo test -p rsp --locked --test fault_campaign -- --nocapture
