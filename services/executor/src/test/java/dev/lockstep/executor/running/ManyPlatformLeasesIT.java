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
    cluster.slowDown("/leases", SLOW);
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

    // two Lease durations: every Lease renewed in time, again and again
    Instant until = Instant.now().plus(LEASE.multipliedBy(2));
    List<String> invalid = new ArrayList<>();
    while (Instant.now().isBefore(until)) {
      ids.stream().filter(id -> !leases.valid(id)).forEach(invalid::add);
      Thread.sleep(100);
    }
    assertThat(lost).as("Leases lost").isEmpty();
    assertThat(invalid).as("platforms whose Lease lapsed for a moment").isEmpty();
    assertThat(
            cluster.client().leases().inNamespace("lockstep").list().getItems().stream()
                .filter(l -> "executor-a".equals(l.getSpec().getHolderIdentity())))
        .hasSize(PLATFORMS);
  }
}
