package dev.lockstep.planner.planning;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.events.v1.QuietWait;
import dev.lockstep.events.v1.StepAction;
import dev.lockstep.manifest.Backup;
import dev.lockstep.manifest.CustomResource;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.manifest.WorkloadRef;
import java.util.List;
import java.util.Map;

/** Builds a {@link PlanStep}, whose record has many optional fields. */
public final class StepBuilder {
  private final String id;
  private final String component;
  private final StepAction action;
  private final String from;
  private final String to;
  private WorkloadRef workload;
  private String image;
  private List<ObjectRef> targets;
  private Migration migration;
  private Backup backup;
  private String snapshot;
  private List<Map<String, Object>> objects;
  private CustomResource customResource;
  private List<ObjectState> restore;
  private String message;
  private QuietWait quiet;
  private Integer retries;

  /** A step with its id, component, action and versions. */
  public StepBuilder(String id, String component, StepAction action, String from, String to) {
    this.id = id;
    this.component = component;
    this.action = action;
    this.from = from;
    this.to = to;
  }

  public StepBuilder workload(WorkloadRef value) {
    workload = value;
    return this;
  }

  public StepBuilder image(String value) {
    image = value;
    return this;
  }

  public StepBuilder targets(List<ObjectRef> value) {
    targets = value == null ? null : List.copyOf(value);
    return this;
  }

  public StepBuilder migration(Migration value) {
    migration = value;
    return this;
  }

  public StepBuilder backup(Backup value) {
    backup = value;
    return this;
  }

  public StepBuilder snapshot(String value) {
    snapshot = value;
    return this;
  }

  public StepBuilder objects(List<Map<String, Object>> value) {
    objects = value;
    return this;
  }

  public StepBuilder customResource(CustomResource value) {
    customResource = value;
    return this;
  }

  public StepBuilder restore(List<ObjectState> value) {
    restore = value == null ? null : List.copyOf(value);
    return this;
  }

  public StepBuilder message(String value) {
    message = value;
    return this;
  }

  public StepBuilder quiet(QuietWait value) {
    quiet = value;
    return this;
  }

  /** How many times the executor runs the step again when it fails; none when null or 0. */
  public StepBuilder retries(Integer value) {
    retries = value == null || value <= 0 ? null : value;
    return this;
  }

  /** The step. */
  public PlanStep build() {
    return new PlanStep(
        id,
        component,
        action,
        from,
        to,
        workload,
        image,
        targets,
        migration,
        backup,
        snapshot,
        objects,
        customResource,
        restore,
        message,
        retries,
        quiet);
  }
}
