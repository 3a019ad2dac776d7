#!/usr/bin/env bash
# Creates Lockstep's topics (topics.txt) and each service's ACLs (the chart's
# files/kafka-access.txt) on a Kafka cluster that is not managed by Strimzi. Needs the Kafka
# command-line tools (kafka-topics.sh, kafka-acls.sh) on PATH.
#   BOOTSTRAP=broker:9092 [COMMAND_CONFIG=admin.properties] [REPLICATION=3] [ACLS=yes] \
#     [CDEVENTS_TOPIC=cdevents] ./create-topics-and-acls.sh
# CDEVENTS_TOPIC: the topic of the notifier's optional CDEvents sink (docs/cdevents.md): created
# with 3 partitions and the broker's default retention, and only the notifier may write it (its
# readers are the operator's, outside Lockstep).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${BOOTSTRAP:?set BOOTSTRAP to the brokers, e.g. kafka:9092}"
replication="${REPLICATION:-3}"
cdevents="${CDEVENTS_TOPIC:-}"
case "$cdevents" in lockstep.*) echo "CDEVENTS_TOPIC may not be one of Lockstep's own topics: $cdevents" >&2; exit 1;; esac
config=()
if [ -n "${COMMAND_CONFIG:-}" ]; then config=(--command-config "$COMMAND_CONFIG"); fi

grep -v '^#' "$here/topics.txt" | while read -r topic partitions retention _; do
  [ -n "$topic" ] || continue
  kafka-topics.sh --bootstrap-server "$BOOTSTRAP" "${config[@]}" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor "$replication" \
    --config "retention.ms=$retention"
done
if [ -n "$cdevents" ]; then
  kafka-topics.sh --bootstrap-server "$BOOTSTRAP" "${config[@]}" --create --if-not-exists \
    --topic "$cdevents" --partitions 3 --replication-factor "$replication"
fi

[ "${ACLS:-yes}" = "yes" ] || exit 0
# Each service's principal, consumer group and topics come from the chart's list, the one the chart
# configures the services' groups from (ACCESS overrides where it is read from).
access="${ACCESS:-$here/../helm/lockstep/files/kafka-access.txt}"
[ -r "$access" ] || { echo "cannot read $access (set ACCESS to the chart's files/kafka-access.txt)" >&2; exit 1; }
acl() { kafka-acls.sh --bootstrap-server "$BOOTSTRAP" "${config[@]}" --add "$@"; }
grep -v '^#' "$access" | while read -r service principal group _property reads writes; do
  [ -n "$service" ] || continue
  for t in ${reads//,/ }; do
    [ "$t" = "-" ] && continue
    acl --allow-principal "User:$principal" --operation Read --operation Describe --topic "$t"
  done
  if [ "$service" = "notifier" ] && [ -n "$cdevents" ]; then writes="$writes,$cdevents"; fi
  for t in ${writes//,/ }; do
    [ "$t" = "-" ] && continue
    acl --allow-principal "User:$principal" --operation Write --operation Describe --topic "$t"
  done
  acl --allow-principal "User:$principal" --operation Read --operation Describe \
    --group "$group" --resource-pattern-type prefixed
done
