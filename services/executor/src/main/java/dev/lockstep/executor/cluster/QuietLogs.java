package dev.lockstep.executor.cluster;

import static dev.lockstep.executor.cluster.StepObjects.describe;

import dev.lockstep.events.v1.QuietWait;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A drain's wait for quiet, as a non-blocking {@link Applied.Check}: each look reads, through the
 * Kubernetes log API, what the running pods of the listed components' workloads wrote in the last
 * quiet period ({@code sinceSeconds}, the period rounded up to whole seconds as the API counts
 * them, so the API server's clock decides and the executor's cannot skew it); done when none wrote
 * a line, failed past the deadline with the component still writing named.
 */
final class QuietLogs {
  private final KubernetesClient client;

  QuietLogs(KubernetesClient client) {
    this.client = client;
  }

  /** A line a component wrote within the quiet period: who, where, when and what. */
  private record Written(String component, String pod, String time, String text) {}

  /** The wait; its deadline counts from its first look (once the drained pods are gone). */
  Applied.Check quiet(QuietWait wait) {
    Duration period = wait.periodDuration();
    Duration deadline = wait.deadlineDuration();
    int sinceSeconds = (int) Math.max(1, (period.toMillis() + 999) / 1000);
    Instant[] firstLook = new Instant[1];
    return at -> {
      if (firstLook[0] == null) {
        firstLook[0] = at;
      }
      Optional<Written> writing = firstWriting(wait, sinceSeconds);
      if (writing.isEmpty()) {
        return Progress.done();
      }
      Written w = writing.get();
      String last =
          " (its last line, at " + w.time() + " in pod " + w.pod() + ": \"" + w.text() + "\")";
      if (!at.isBefore(firstLook[0].plus(deadline))) {
        return Progress.failed(
            "component "
                + w.component()
                + " was still writing logs "
                + wait.deadline()
                + " after the drain, where the drain waits for "
                + wait.period()
                + " of quiet"
                + last);
      }
      return Progress.waiting(
          "component " + w.component() + " to be quiet for " + wait.period() + last);
    };
  }

  /** The newest line of the first component that wrote one within the period, if any. */
  private Optional<Written> firstWriting(QuietWait wait, int sinceSeconds) {
    for (QuietWait.Source source : wait.components()) {
      String namespace = source.workload().namespace();
      GenericKubernetesResource workload =
          Resources.of(client, source.workload().kind(), namespace, source.workload().name()).get();
      if (workload == null) {
        continue; // a workload that does not exist writes nothing
      }
      Map<String, String> selector = matchLabels(workload);
      if (selector.isEmpty()) {
        throw new StepFailure(
            describe(source.workload()) + " has no label selector to find its pods by");
      }
      List<Pod> pods = client.pods().inNamespace(namespace).withLabels(selector).list().getItems();
      for (Pod pod : pods) {
        if (pod.getStatus() == null || !"Running".equals(pod.getStatus().getPhase())) {
          continue;
        }
        for (Container container : pod.getSpec().getContainers()) {
          String log =
              log(namespace, pod.getMetadata().getName(), container.getName(), sinceSeconds);
          Optional<Written> newest =
              log.lines()
                  .filter(line -> !line.isBlank())
                  .reduce((first, second) -> second)
                  .map(line -> written(source.component(), pod.getMetadata().getName(), line));
          if (newest.isPresent()) {
            return newest;
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The container's lines of the last seconds, timestamped; empty for a pod gone or waiting. */
  private String log(String namespace, String pod, String container, int sinceSeconds) {
    try {
      String log =
          client
              .pods()
              .inNamespace(namespace)
              .withName(pod)
              .inContainer(container)
              .usingTimestamps()
              .sinceSeconds(sinceSeconds)
              .getLog();
      return log == null ? "" : log;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND
          || e.getCode() == HttpURLConnection.HTTP_BAD_REQUEST) {
        return ""; // the pod went, or its container is not running: it writes nothing now
      }
      throw e;
    }
  }

  private static Written written(String component, String pod, String line) {
    int space = line.indexOf(' ');
    String time = space > 0 ? line.substring(0, space) : "";
    try {
      Instant.parse(time);
    } catch (DateTimeParseException notATimestamp) {
      return new Written(component, pod, "an unknown time", line);
    }
    String text = line.substring(space + 1);
    return new Written(
        component, pod, time, text.length() > 200 ? text.substring(0, 200) + "..." : text);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> matchLabels(GenericKubernetesResource workload) {
    Map<String, Object> selector = ObjectMaps.map(ObjectMaps.spec(workload).get("selector"));
    Map<String, String> labels = new LinkedHashMap<>();
    if (selector != null && selector.get("matchLabels") instanceof Map<?, ?> match) {
      ((Map<String, Object>) match).forEach((k, v) -> labels.put(k, String.valueOf(v)));
    }
    return labels;
  }
}
