package dev.lockstep.validator.kubernetes;

import dev.lockstep.manifest.Gate;
import dev.lockstep.manifest.ObjectRef;
import dev.lockstep.validator.provider.GateProvider;
import dev.lockstep.validator.provider.MeasureRequest;
import dev.lockstep.validator.provider.Outcome;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micronaut.context.BeanProvider;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures {@code kubernetes} gates: reads the target (and its pods) with fabric8 and applies
 * {@link WorkloadChecks}. It only reads. fabric8 calls block, so they run on a small pool of their
 * own. A missing object is a failed measurement; an API server that cannot be reached or refuses is
 * an error.
 */
@Singleton
public class KubernetesGateProvider implements GateProvider {
  /** The client, made on the first kubernetes gate: fabric8 and its HTTP stack are not light. */
  private final BeanProvider<KubernetesClient> clients;

  private final ExecutorService pool;

  public KubernetesGateProvider(@Named("validator") BeanProvider<KubernetesClient> clients) {
    this.clients = clients;
    AtomicInteger threads = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            4,
            runnable -> {
              Thread thread = new Thread(runnable, "validator-k8s-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public String kind() {
    return "kubernetes";
  }

  @Override
  public CompletableFuture<Outcome> measure(MeasureRequest request) {
    return CompletableFuture.supplyAsync(
        () -> {
          Gate.KubernetesCheck check = request.gate().kubernetes();
          KubernetesClient client;
          try {
            client = clients.get();
          } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
              cause = cause.getCause();
            }
            return Outcome.error(
                "the Kubernetes client could not be made: "
                    + cause.getClass().getSimpleName()
                    + " "
                    + firstLine(cause.getMessage()));
          }
          try {
            return check(client, check, request);
          } catch (KubernetesClientException e) {
            return Outcome.error(
                "the Kubernetes API answered "
                    + (e.getCode() == 0 ? "nothing" : e.getCode())
                    + " reading "
                    + describe(check.target())
                    + ": "
                    + firstLine(e.getMessage()));
          }
        },
        pool);
  }

  private Outcome check(
      KubernetesClient client, Gate.KubernetesCheck check, MeasureRequest request) {
    ObjectRef target = check.target();
    String namespace = target.namespace() == null ? client.getNamespace() : target.namespace();
    String what = describe(target);
    switch (check.check()) {
      case "rollout" -> {
        return switch (target.kind()) {
          case "Deployment" -> {
            Deployment d =
                client.apps().deployments().inNamespace(namespace).withName(target.name()).get();
            yield d == null ? missing(what) : WorkloadChecks.rollout(d);
          }
          case "StatefulSet" -> {
            StatefulSet s =
                client.apps().statefulSets().inNamespace(namespace).withName(target.name()).get();
            yield s == null ? missing(what) : WorkloadChecks.rollout(s);
          }
          case "DaemonSet" -> {
            DaemonSet ds =
                client.apps().daemonSets().inNamespace(namespace).withName(target.name()).get();
            yield ds == null ? missing(what) : WorkloadChecks.rollout(ds);
          }
          default ->
              Outcome.error(
                  "a rollout check needs a Deployment, StatefulSet or DaemonSet, not "
                      + target.kind());
        };
      }
      case "pods-ready", "no-restarts" -> {
        List<Pod> pods = pods(client, target, namespace);
        if (pods == null) {
          return missing(what);
        }
        return check.check().equals("pods-ready")
            ? WorkloadChecks.podsReady(what, pods)
            : WorkloadChecks.noRestarts(what, pods, request.changeStartedAt());
      }
      case "job-succeeded" -> {
        if (!"Job".equals(target.kind())) {
          return Outcome.error("a job-succeeded check needs a Job, not " + target.kind());
        }
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(target.name()).get();
        return job == null ? missing(what) : WorkloadChecks.jobSucceeded(job);
      }
      case "status" -> {
        if (check.status() == null || check.status().isEmpty()) {
          return Outcome.error("a status check needs the expected status fields");
        }
        String apiVersion =
            target.apiVersion() == null ? builtInApiVersion(target.kind()) : target.apiVersion();
        GenericKubernetesResource resource =
            client
                .genericKubernetesResources(apiVersion, target.kind())
                .inNamespace(namespace)
                .withName(target.name())
                .get();
        if (resource == null) {
          return missing(what);
        }
        Map<String, Object> object = new HashMap<>(resource.getAdditionalProperties());
        return WorkloadChecks.statusFields(
            what, resource.getMetadata().getGeneration(), object, check.status());
      }
      default -> {
        return Outcome.error(
            "unknown kubernetes check '"
                + check.check()
                + "' (known: rollout, pods-ready, no-restarts, job-succeeded, status)");
      }
    }
  }

  /** The pods of a workload by its selector, or null when the workload does not exist. */
  private static List<Pod> pods(KubernetesClient client, ObjectRef target, String namespace) {
    LabelSelector selector;
    switch (target.kind()) {
      case "Deployment" -> {
        Deployment d =
            client.apps().deployments().inNamespace(namespace).withName(target.name()).get();
        if (d == null) {
          return null;
        }
        selector = d.getSpec().getSelector();
      }
      case "StatefulSet" -> {
        StatefulSet s =
            client.apps().statefulSets().inNamespace(namespace).withName(target.name()).get();
        if (s == null) {
          return null;
        }
        selector = s.getSpec().getSelector();
      }
      case "DaemonSet" -> {
        DaemonSet ds =
            client.apps().daemonSets().inNamespace(namespace).withName(target.name()).get();
        if (ds == null) {
          return null;
        }
        selector = ds.getSpec().getSelector();
      }
      case "Job" -> {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(target.name()).get();
        if (job == null) {
          return null;
        }
        return client
            .pods()
            .inNamespace(namespace)
            .withLabel("job-name", target.name())
            .list()
            .getItems();
      }
      case "Pod" -> {
        Pod pod = client.pods().inNamespace(namespace).withName(target.name()).get();
        return pod == null ? null : List.of(pod);
      }
      default ->
          throw new KubernetesClientException(
              "pods of a "
                  + target.kind()
                  + " cannot be found (Deployment, StatefulSet, DaemonSet, Job, Pod)");
    }
    if (selector == null || selector.getMatchLabels() == null) {
      return List.of();
    }
    return client
        .pods()
        .inNamespace(namespace)
        .withLabels(selector.getMatchLabels())
        .list()
        .getItems();
  }

  private static String builtInApiVersion(String kind) {
    return switch (kind) {
      case "Deployment", "StatefulSet", "DaemonSet" -> "apps/v1";
      case "Job" -> "batch/v1";
      default -> "v1";
    };
  }

  private static Outcome missing(String what) {
    return Outcome.failed(null, what + " does not exist");
  }

  private static String describe(ObjectRef target) {
    return target.kind()
        + " "
        + (target.namespace() == null ? "" : target.namespace() + "/")
        + target.name();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  @PreDestroy
  void close() {
    pool.shutdownNow();
  }
}
