package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Inventory observations: a platform's never overlap (an older snapshot is never published after a
 * newer one), requests made meanwhile become one more observation that keeps the cause, and a slow
 * platform does not hold up the others.
 */
class ObservationsTest {

  @Test
  void aPlatformsObservationsNeverOverlapAndRequestsMeanwhileFoldIntoOneThatKeepsItsCause()
      throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch secondDone = new CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    List<String> observed = new CopyOnWriteArrayList<>();
    try (Observations<String> observations =
        new Observations<>(
            2,
            (platform, cause) -> {
              most.accumulateAndGet(inside.incrementAndGet(), Math::max);
              observed.add(platform + "/" + cause);
              if (observed.size() == 1) {
                firstStarted.countDown();
                await(release);
              } else {
                secondDone.countDown();
              }
              inside.decrementAndGet();
            })) {
      observations.request("dataos", null);
      assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
      // while the first runs: an upgrade ended (its cause), then the periodic ones
      observations.request("dataos", "upgrade.completed");
      observations.request("dataos", null);
      observations.request("dataos", null);
      release.countDown();
      assertThat(secondDone.await(10, TimeUnit.SECONDS)).isTrue();
      Thread.sleep(200);
    }
    assertThat(observed).containsExactly("dataos/null", "dataos/upgrade.completed");
    assertThat(most.get()).as("observations of one platform at once").isEqualTo(1);
  }

  @Test
  void aSlowPlatformDoesNotHoldUpTheOthers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch otherDone = new CountDownLatch(1);
    try (Observations<String> observations =
        new Observations<>(
            2,
            (platform, cause) -> {
              if (platform.equals("slow")) {
                await(release);
              } else {
                otherDone.countDown();
              }
            })) {
      observations.request("slow", null);
      observations.request("other", null);
      assertThat(otherDone.await(10, TimeUnit.SECONDS))
          .as("the other platform is observed while the slow one's API server answers nothing")
          .isTrue();
      release.countDown();
    }
  }

  @Test
  void aFailedObservationDoesNotStopTheNextOfItsPlatform() throws Exception {
    CountDownLatch second = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    try (Observations<String> observations =
        new Observations<>(
            1,
            (platform, cause) -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("the API server is away");
              }
              second.countDown();
            })) {
      observations.request("dataos", null);
      // the first has failed (or is failing) by the time this is asked, or folds into it
      Thread.sleep(100);
      observations.request("dataos", null);
      assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
