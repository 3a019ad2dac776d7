package dev.lockstep.executor.running;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.executor.platform.PlatformSettings;
import dev.lockstep.executor.platform.Platforms;
import dev.lockstep.testkit.cluster.SimulatedCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An executor instance that owns many platforms keeps every one of their Leases while the API
 * server answers slowly. Renewing them one after the other, each with a read and a write, took
 * longer than a Lease lasts, so an instance with hundreds of platforms lost them all at once and
 * every platform changed hands (seen with 200 platforms in the latency benchmark).
 */
class ManyPlatformLeasesIT {
  private static final int PLATFORMS = 120;
  private static final Duration SLOW = Duration.ofMillis(50);
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration RENEW = Duration.ofSeconds(1);

  private final SimulatedCluster cluster = new SimulatedCluster().start();
  private final Queue<String> lost = new ConcurrentLinkedQueue<>();
  private Platforms platforms;
  private PlatformLeases leases;

  @AfterEach
  void stop() {
    if (leases != null) {
      leases.close();
    }
    if (platforms != null) {
      platforms.close();
    }
    cluster.close();
  }

  @Test
  void everyLeaseOfAHundredAndTwentyPlatformsStaysHeldBehindASlowApiServer() throws Exception {
    List<String> ids = configure();
    cluster.slowDown("/leases", SLOW);
    takeAll(ids);

    // two Lease durations: every Lease renewed in time, again and again
    List<String> invalid = watchFor(ids, LEASE.multipliedBy(2));
    assertThat(lost).as("Leases lost").isEmpty();
    assertThat(invalid).as("platforms whose Lease lapsed for a moment").isEmpty();
    assertThat(
            cluster.client().leases().inNamespace("lockstep").list().getItems().stream()
                .filter(l -> "executor-a".equals(l.getSpec().getHolderIdentity())))
        .hasSize(PLATFORMS);
  }

  /**
   * The platforms' work requests (inventories, steps, rollout polls) share a dispatcher with a
   * bound on the requests under way; with twice as many waiting on a slow API server as it lets
   * through, the Lease renewals still go out at once on their own clients.
   */
  @Test
  void leasesStayHeldWhileEveryWorkRequestWaitsOnASlowApiServer() throws Exception {
    List<String> ids = configure();
    takeAll(ids);
    cluster.slowDown("/deployments", Duration.ofSeconds(1));
    int callers = 2 * Platforms.MAX_REQUESTS;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    Instant until = Instant.now().plus(LEASE.multipliedBy(2));
    List<Future<Integer>> lists = new ArrayList<>();
    List<String> invalid;
    try {
      for (int i = 0; i < callers; i++) {
        String platform = ids.get(i % ids.size());
        lists.add(
            pool.submit(
                () -> {
                  int answered = 0;
                  while (Instant.now().isBefore(until)) {
                    platforms.client(platform).apps().deployments().inNamespace("core").list();
                    answered++;
                  }
                  return answered;
                }));
      }
      invalid = watchFor(ids, LEASE.multipliedBy(2));
      int answered = 0;
      for (Future<Integer> list : lists) {
        answered += list.get(30, TimeUnit.SECONDS);
      }
      assertThat(answered).as("slow lists answered meanwhile").isGreaterThanOrEqualTo(callers);
    } finally {
      pool.shutdownNow();
    }
    assertThat(lost).as("Leases lost").isEmpty();
    assertThat(invalid).as("platforms whose Lease lapsed for a moment").isEmpty();
  }

  private List<String> configure() {
    List<PlatformSettings> settings = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < PLATFORMS; i++) {
      PlatformSettings platform = new PlatformSettings("fleet-" + i);
      platform.setMasterUrl(cluster.kubernetesUrl());
      platform.setNamespaces(List.of("core"));
      settings.add(platform);
      ids.add(platform.getId());
    }
    platforms = new Platforms(settings);
    return ids;
  }

  private void takeAll(List<String> ids) throws InterruptedException {
    leases = new PlatformLeases(platforms, "lockstep", LEASE, RENEW, "executor-a");
    leases.listener(
        new PlatformLeases.Listener() {
          @Override
          public void acquired(String platform) {}

          @Override
          public void lost(String platform, String reason) {
            lost.add(platform + ": " + reason);
          }
        });

    ids.forEach(leases::want);
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline) && !ids.stream().allMatch(leases::valid)) {
      Thread.sleep(100);
    }
    assertThat(ids).as("every Lease taken").allMatch(leases::valid);
  }

  /** The platforms whose Lease was not valid at some look during {@code period}. */
  private List<String> watchFor(List<String> ids, Duration period) throws InterruptedException {
    Instant until = Instant.now().plus(period);
    List<String> invalid = new ArrayList<>();
    while (Instant.now().isBefore(until)) {
      ids.stream().filter(id -> !leases.valid(id)).forEach(invalid::add);
      Thread.sleep(100);
    }
    return invalid;
  }
}
