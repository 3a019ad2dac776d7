package dev.lockstep.executor.cluster;

import dev.lockstep.events.v1.ObjectState;
import dev.lockstep.events.v1.PlanStep;
import dev.lockstep.manifest.GoDuration;
import dev.lockstep.manifest.Migration;
import dev.lockstep.manifest.WorkloadRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code migrate}: a Job named from upgrade and step (created only when absent), waited on until it
 * succeeds, fails or times out. Its intent records the Job as absent: a rollback deletes it.
 */
final class MigrateAction implements ClusterAction {
  private final KubernetesClient client;
  private final ClusterTimings timings;
  private final RolloutWaits waits;

  MigrateAction(KubernetesClient client, ClusterTimings timings, RolloutWaits waits) {
    this.client = client;
    this.timings = timings;
    this.waits = waits;
  }

  @Override
  public List<ObjectState> readBefore(StepContext context) {
    WorkloadRef workload = StepObjects.requireWorkload(context.step());
    return List.of(migrationJob(workload.namespace(), context));
  }

  @Override
  public Applied apply(StepContext context, Instant now) {
    PlanStep step = context.step();
    Migration migration = step.migration();
    if (migration == null) {
      throw new StepFailure("migrate step " + step.id() + " names no migration");
    }
    WorkloadRef workload = StepObjects.requireWorkload(step);
    String name = jobName(context);
    Resource<GenericKubernetesResource> job =
        Resources.of(client, "Job", workload.namespace(), name);
    Applied.Outcome outcome = Applied.Outcome.UNCHANGED;
    if (job.get() == null) {
      Map<String, Object> container = new LinkedHashMap<>();
      container.put("name", "migrate");
      container.put("image", migration.image());
      container.put("args", migration.args());
      Map<String, Object> podSpec = new LinkedHashMap<>();
      podSpec.put("restartPolicy", "Never");
      podSpec.put("containers", List.of(container));
      Map<String, Object> template = new LinkedHashMap<>();
      template.put("spec", podSpec);
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("backoffLimit", 0);
      spec.put("template", template);
      GenericKubernetesResource object = new GenericKubernetesResource();
      object.setApiVersion("batch/v1");
      object.setKind("Job");
      object.setMetadata(
          new ObjectMetaBuilder()
              .withName(name)
              .withNamespace(workload.namespace())
              .withAnnotations(Marking.marks(context, step.to()))
              .build());
      object.getAdditionalProperties().put("spec", spec);
      try {
        job.create(object);
        outcome = Applied.Outcome.CREATED;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
      }
    }
    ObjectState before = migrationJob(workload.namespace(), context);
    Duration timeout = GoDuration.parseOr(migration.timeout(), timings.migrationTimeout());
    String what = "migration Job " + workload.namespace() + "/" + name;
    return new Applied(outcome, List.of(before), null, waits.jobFinished(job, what, now, timeout));
  }

  private static String jobName(StepContext context) {
    return StepObjects.objectName(context.step().component() + "-migrate", context);
  }

  /** The migration Job a step creates, recorded as absent before it: a rollback deletes it. */
  private static ObjectState migrationJob(String namespace, StepContext context) {
    return new ObjectState(
        "batch/v1", "Job", namespace, jobName(context), false, null, null, null, null, null, null);
  }
}
