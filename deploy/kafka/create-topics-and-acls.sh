#!/usr/bin/env bash
# Creates Lockstep's topics (topics.txt) and each service's ACLs on a Kafka cluster that is not
# managed by Strimzi. Needs the Kafka command-line tools (kafka-topics.sh, kafka-acls.sh) on PATH.
#   BOOTSTRAP=broker:9092 [COMMAND_CONFIG=admin.properties] [REPLICATION=3] [ACLS=yes] ./create-topics-and-acls.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${BOOTSTRAP:?set BOOTSTRAP to the brokers, e.g. kafka:9092}"
replication="${REPLICATION:-3}"
config=()
if [ -n "${COMMAND_CONFIG:-}" ]; then config=(--command-config "$COMMAND_CONFIG"); fi

grep -v '^#' "$here/topics.txt" | while read -r topic partitions retention _; do
  [ -n "$topic" ] || continue
  kafka-topics.sh --bootstrap-server "$BOOTSTRAP" "${config[@]}" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor "$replication" \
    --config "retention.ms=$retention"
done

[ "${ACLS:-yes}" = "yes" ] || exit 0
acl() { kafka-acls.sh --bootstrap-server "$BOOTSTRAP" "${config[@]}" --add "$@"; }
# service | topics it reads | the topic it writes ("-" for none)
while read -r service reads writes; do
  for t in ${reads//,/ }; do acl --allow-principal "User:$service" --operation Read --operation Describe --topic "$t"; done
  for t in ${writes//,/ } lockstep.deadletter; do
    [ "$t" = "-" ] && continue
    acl --allow-principal "User:$service" --operation Write --operation Describe --topic "$t"
  done
  acl --allow-principal "User:$service" --operation Read --operation Describe \
    --group "$service" --resource-pattern-type prefixed
done <<'ACLS'
planner lockstep.requests,lockstep.execution,lockstep.plans lockstep.plans,lockstep.requests
executor lockstep.plans,lockstep.gates,lockstep.execution lockstep.execution
validator lockstep.execution,lockstep.gates lockstep.gates
notifier lockstep.requests,lockstep.plans,lockstep.execution,lockstep.gates lockstep.notifications
rca-recorder lockstep.requests,lockstep.plans,lockstep.execution,lockstep.gates,lockstep.notifications,lockstep.deadletter -
ACLS
