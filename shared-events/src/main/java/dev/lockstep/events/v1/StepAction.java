package dev.lockstep.events.v1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.lockstep.events.WireEnum;

/** What a plan step does on the cluster (DESIGN section 9). */
public enum StepAction implements WireEnum {
  /** Snapshot the workload's volumes. */
  BACKUP("backup"),
  /** Scale workloads to zero and wait until they are quiet. */
  DRAIN("drain"),
  /** Run a migration Job and wait for it. */
  MIGRATE("migrate"),
  /** Set a workload's container image and wait for the rollout. */
  SET_IMAGE("set-image"),
  /** Apply a bundle or a rendered chart by create-or-replace. */
  APPLY("apply"),
  /** Patch a custom resource and wait for its status. */
  PATCH_RESOURCE("patch-resource"),
  /** Put back the replicas a drain took away. */
  RESTORE_REPLICAS("restore-replicas"),
  /** Restore volumes from a snapshot. */
  RESTORE_SNAPSHOT("restore-snapshot"),
  /** Delete a component's objects. */
  REMOVE("remove"),
  /** Wait for a person's approval. */
  APPROVE("approve");

  private final String wire;

  StepAction(String wire) {
    this.wire = wire;
  }

  @Override
  @JsonValue
  public String wire() {
    return wire;
  }

  /** The constant of a wire string. */
  @JsonCreator
  public static StepAction fromWire(String wire) {
    return WireEnum.fromWire(StepAction.class, wire);
  }
}
