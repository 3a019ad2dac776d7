package dev.lockstep.bench;

import dev.lockstep.events.v1.Plan;
import dev.lockstep.manifest.Component;
import dev.lockstep.manifest.Release;
import dev.lockstep.manifest.ReleaseMetadata;
import dev.lockstep.manifest.ReleaseSpec;
import dev.lockstep.manifest.WorkloadRef;
import dev.lockstep.planner.model.RunningComponent;
import dev.lockstep.planner.planning.UpgradePlanner;
import dev.lockstep.planner.planning.UpgradeRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * How long the planner takes to plan an upgrade of a release of 100, 1,000, 10,000 and 100,000
 * components with a random layered dependency graph (three layers, up to three requirements per
 * component on its own or lower layers, every component moving one minor version, some stateful),
 * in milliseconds per plan: the release checks, the wave ordering with the intermediate-state
 * check, steps, gates and risk. Goal (issue #17): 100,000 components in at most 500 ms, and at most
 * twelve times longer for ten times the components.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PlannerBenchmark {
  @Param({"100", "1000", "10000", "100000"})
  public int components;

  private UpgradeRequest request;
  private final Clock clock = Clock.systemUTC();

  @Setup
  public void setUp() {
    request = randomUpgrade(components, new Random(42));
  }

  /** A random layered release and the inventory one minor version behind it. */
  static UpgradeRequest randomUpgrade(int n, Random random) {
    List<String> layers = List.of("cloud-kernel", "core-kernel", "user-space");
    List<Component> release = new ArrayList<>(n);
    List<RunningComponent> current = new ArrayList<>(n);
    int[] layerOf = new int[n];
    int[] majors = new int[n];
    for (int i = 0; i < n; i++) {
      layerOf[i] = Math.min(2, i * 3 / n);
      String name = "c" + i;
      int major = 1 + random.nextInt(3);
      majors[i] = major;
      Map<String, String> requires = new LinkedHashMap<>();
      Map<String, String> oldRequires = new LinkedHashMap<>();
      int deps = i == 0 ? 0 : random.nextInt(4);
      for (int d = 0; d < deps; d++) {
        int j = random.nextInt(i);
        if (layerOf[j] > layerOf[i]) {
          continue;
        }
        requires.put("c" + j, "^" + majors[j] + ".1.0");
        oldRequires.put("c" + j, "^" + majors[j] + ".0.0");
      }
      boolean stateful = random.nextInt(10) == 0;
      WorkloadRef workload =
          new WorkloadRef(stateful ? "StatefulSet" : "Deployment", "ns" + layerOf[i], name, name);
      release.add(
          new Component(
              name,
              layers.get(layerOf[i]),
              major + ".1.0",
              requires,
              workload,
              "registry.example.com/" + name + ":" + major + ".1.0",
              List.of(),
              null,
              stateful ? new dev.lockstep.manifest.Backup("csi") : null,
              List.of(),
              null,
              null,
              null));
      current.add(
          new RunningComponent(
              name, layers.get(layerOf[i]), major + ".0.0", oldRequires, List.of()));
    }
    Release r =
        new Release(
            Release.API_VERSION,
            Release.KIND,
            new ReleaseMetadata("bench", "2.0.0", null),
            new ReleaseSpec(layers, release, List.of()));
    return new UpgradeRequest("bench", "bench", r, current, "1.0.0", null, null, "release");
  }

  /** Plans the upgrade. */
  @Benchmark
  public Plan plan() {
    return UpgradePlanner.plan(request, clock).planOrThrow();
  }

  /** Runs the benchmark and prints the figures. */
  public static void main(String[] args) throws RunnerException {
    new Runner(new OptionsBuilder().include(PlannerBenchmark.class.getSimpleName()).build()).run();
  }
}
