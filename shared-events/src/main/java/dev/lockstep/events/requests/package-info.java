/**
 * The producers' side of the contract: {@link dev.lockstep.events.requests.UpgradeRequests} builds
 * a correct {@code upgrade.requested} record (envelope, key, headers, trace context, an id derived
 * from the upgrade) after checking the release as the planner will, and {@link
 * dev.lockstep.events.requests.RequestAnswers} waits for the planner's answer ({@code plan.created}
 * or {@code plan.rejected} whose causation is the request). Plain Kafka clients and Jackson only: a
 * release bot or a CI pipeline needs nothing of Lockstep's services.
 */
package dev.lockstep.events.requests;
