package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The faults injected into the {@link SimulatedKubelet}: images whose pods crash-loop and rules for
 * Jobs that fail. Changed from any thread; a pod's or Job's fate is decided when it is created.
 */
final class KubeletFaults {

  private final Set<String> faultyImages = ConcurrentHashMap.newKeySet();
  private final List<Predicate<? super Job>> failingJobs = new CopyOnWriteArrayList<>();

  void markFaulty(String image) {
    faultyImages.add(Objects.requireNonNull(image, "image"));
  }

  void markHealthy(String image) {
    faultyImages.remove(image);
  }

  void failJobs(Predicate<? super Job> which) {
    failingJobs.add(Objects.requireNonNull(which, "which"));
  }

  void clear() {
    faultyImages.clear();
    failingJobs.clear();
  }

  /** Whether pods with this image crash-loop: marked faulty, or a tag ending in -crashloop. */
  boolean isFaulty(String image) {
    return image != null
        && (faultyImages.contains(image)
            || Images.tag(image).endsWith(SimulatedKubelet.CRASHLOOP_TAG_SUFFIX));
  }

  /** Whether this Job fails: one of its containers runs a faulty image, or a rule matches it. */
  boolean failsJob(Job job, List<Container> containers) {
    return containers.stream().anyMatch(container -> isFaulty(container.getImage()))
        || failingJobs.stream().anyMatch(rule -> rule.test(job));
  }
}
