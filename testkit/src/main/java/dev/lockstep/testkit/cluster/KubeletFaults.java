package dev.lockstep.testkit.cluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The faults injected into the {@link SimulatedKubelet}: images whose pods crash-loop, rules for
 * Jobs that fail, and the work that matching Jobs do (what a migration does to a database, say).
 * Changed from any thread; a pod's or Job's fate is decided when it is created.
 */
final class KubeletFaults {

  private static final Logger LOG = LoggerFactory.getLogger(KubeletFaults.class);

  private final Set<String> faultyImages = ConcurrentHashMap.newKeySet();
  private final List<Predicate<? super Job>> failingJobs = new CopyOnWriteArrayList<>();
  private final List<JobWork> jobWork = new CopyOnWriteArrayList<>();

  /** Images whose first rollouts fail: how many are left to fail, and the templates that did. */
  private final Map<String, Flaky> flakyImages = new ConcurrentHashMap<>();

  /** The rollouts of an image still to fail, and the pod templates (by hash) failing already. */
  private static final class Flaky {
    int left;
    final Set<String> failing = new HashSet<>();

    Flaky(int left) {
      this.left = left;
    }
  }

  /** What the Jobs that {@code which} matches do when their pod starts. */
  private record JobWork(Predicate<? super Job> which, Consumer<? super Job> work) {}

  void markFaulty(String image) {
    faultyImages.add(Objects.requireNonNull(image, "image"));
  }

  void markHealthy(String image) {
    faultyImages.remove(image);
  }

  void failJobs(Predicate<? super Job> which) {
    failingJobs.add(Objects.requireNonNull(which, "which"));
  }

  void onJob(Predicate<? super Job> which, Consumer<? super Job> work) {
    jobWork.add(
        new JobWork(Objects.requireNonNull(which, "which"), Objects.requireNonNull(work, "work")));
  }

  void failFirstRollouts(String image, int rollouts) {
    flakyImages.put(Objects.requireNonNull(image, "image"), new Flaky(rollouts));
  }

  /**
   * Whether the pods of a workload's template (its hash) with this image crash-loop: the image is
   * faulty, or it is one of the first rollouts of an image that {@link #failFirstRollouts} names.
   */
  boolean isFaulty(String image, String templateHash) {
    if (isFaulty(image)) {
      return true;
    }
    Flaky flaky = flakyImages.get(image);
    if (flaky == null) {
      return false;
    }
    synchronized (flaky) {
      if (flaky.failing.contains(templateHash)) {
        return true;
      }
      if (flaky.left > 0) {
        flaky.left--;
        flaky.failing.add(templateHash);
        return true;
      }
      return false;
    }
  }

  void clear() {
    flakyImages.clear();
    faultyImages.clear();
    failingJobs.clear();
    jobWork.clear();
  }

  /** Whether pods with this image crash-loop: marked faulty, or a tag ending in -crashloop. */
  boolean isFaulty(String image) {
    return image != null
        && (faultyImages.contains(image)
            || Images.tag(image).endsWith(SimulatedKubelet.CRASHLOOP_TAG_SUFFIX));
  }

  /**
   * Whether this Job fails: one of its containers runs a faulty image, a rule matches it, or the
   * work registered for it throws. Otherwise the work of every matching {@link #onJob} rule has
   * been done when this returns.
   */
  boolean failsJob(Job job, List<Container> containers) {
    if (containers.stream().anyMatch(container -> isFaulty(container.getImage()))
        || failingJobs.stream().anyMatch(rule -> rule.test(job))) {
      return true;
    }
    try {
      for (JobWork rule : jobWork) {
        if (rule.which().test(job)) {
          rule.work().accept(job);
        }
      }
      return false;
    } catch (RuntimeException e) {
      LOG.warn("The work of Job {} failed: {}", job.getMetadata().getName(), e.toString());
      return true;
    }
  }
}
