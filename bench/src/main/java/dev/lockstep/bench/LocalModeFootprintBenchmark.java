package dev.lockstep.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@code lockstep local} costs a laptop, measured from outside as a user would: the launcher
 * is started as a process ({@code ./lockstep local}, the failing-gate scenario), and once it serves
 * (the scenario has ended) the resident memory of each service's process ({@code VmRSS} and its
 * peak {@code VmHWM} from {@code /proc/<pid>/status}), and of its child processes if it has any
 * (the planner's Helm process while it runs); then it is sent SIGTERM, as Ctrl-C does, and timed
 * until it has exited, every service process is gone and ports 8081 to 8085 are free. Not a test:
 * it asserts nothing.
 *
 * <p>Arguments: the number of runs (default 3) and the built checkout (default the working
 * directory). Ports 8081 to 8085 and 8089 must be free.
 */
public final class LocalModeFootprintBenchmark {
  private static final List<Integer> PORTS = List.of(8081, 8082, 8083, 8084, 8085, 8089);
  private static final String SERVING = "serving until Ctrl-C";

  private LocalModeFootprintBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path checkout = Path.of(args.length > 1 ? args[1] : ".").toAbsolutePath().normalize();
    Path services = checkout.resolve(".lockstep/local/services");
    Map<String, List<Long>> resident = new TreeMap<>();
    Map<String, List<Long>> peak = new TreeMap<>();
    Map<String, List<Long>> childProcesses = new TreeMap<>();
    List<Long> served = new ArrayList<>();
    List<Long> stopped = new ArrayList<>();
    System.out.printf(
        "%d runs on %d cores of %s local (failing-gate)%n",
        runs, Runtime.getRuntime().availableProcessors(), checkout.resolve("lockstep"));
    for (int run = 1; run <= runs; run++) {
      long launched = System.nanoTime();
      Process local =
          new ProcessBuilder(checkout.resolve("lockstep").toString(), "local")
              .directory(checkout.toFile())
              .redirectErrorStream(true)
              .start();
      BufferedReader output =
          new BufferedReader(new InputStreamReader(local.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      String line;
      while ((line = output.readLine()) != null && !line.contains(SERVING)) {
        lines.add(line);
      }
      if (line == null) {
        throw new IllegalStateException(
            "lockstep local ended before serving:\n" + String.join("\n", lines));
      }
      served.add(millisSince(launched));
      Map<String, Long> pids = servicePids(services);
      StringBuilder memory = new StringBuilder();
      for (Map.Entry<String, Long> service : pids.entrySet()) {
        Map<String, Long> status = status(service.getValue());
        resident.computeIfAbsent(service.getKey(), k -> new ArrayList<>()).add(status.get("VmRSS"));
        peak.computeIfAbsent(service.getKey(), k -> new ArrayList<>()).add(status.get("VmHWM"));
        long children = childrenResident(service.getValue());
        childProcesses.computeIfAbsent(service.getKey(), k -> new ArrayList<>()).add(children);
        memory.append(
            String.format(
                " %s %d MB (peak %d%s);",
                service.getKey(),
                status.get("VmRSS") / 1024,
                status.get("VmHWM") / 1024,
                children == 0 ? "" : ", its child processes " + children / 1024 + " MB more"));
      }
      Thread drain = new Thread(() -> drain(output), "drain");
      drain.setDaemon(true);
      drain.start();

      long stopping = System.nanoTime();
      local.destroy(); // SIGTERM, as Ctrl-C's SIGINT runs the same shutdown
      local.waitFor(120, TimeUnit.SECONDS);
      while (pids.values().stream().anyMatch(LocalModeFootprintBenchmark::alive)
          || PORTS.stream().anyMatch(LocalModeFootprintBenchmark::listening)) {
        Thread.sleep(20);
        if (millisSince(stopping) > 120_000) {
          throw new IllegalStateException("still not stopped after 120 s");
        }
      }
      stopped.add(millisSince(stopping));
      System.out.printf(
          "run %d: serving after %d ms; resident:%s stopped in %d ms after SIGTERM%n",
          run, served.get(run - 1), memory, stopped.get(run - 1));
    }
    System.out.println();
    System.out.println(
        "| service | resident after the scenario, MB | peak, MB | its child processes, MB |");
    System.out.println("|---|---|---|---|");
    for (String service : resident.keySet()) {
      System.out.printf(
          "| %s | %s | %s | %s |%n",
          service,
          megabytes(resident.get(service)),
          megabytes(peak.get(service)),
          megabytes(childProcesses.get(service)));
    }
    System.out.printf(
        "%nserving (scenario ended) after %s ms; stopped (exited, services gone, ports free) %s ms"
            + " after SIGTERM%n",
        Stats.summary(served), Stats.summary(stopped));
  }

  /** The pid of each service instance, from the local mode's pid files. */
  private static Map<String, Long> servicePids(Path services) throws IOException {
    Map<String, Long> pids = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(services)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".pid")).sorted().toList()) {
        String name = file.getFileName().toString();
        pids.put(
            name.substring(0, name.length() - ".pid".length()),
            Long.parseLong(Files.readString(file).trim()));
      }
    }
    return pids;
  }

  /** The kB figures of /proc/pid/status. */
  private static Map<String, Long> status(long pid) throws IOException {
    Map<String, Long> figures = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      String[] parts = line.split("\\s+");
      if (parts.length == 3 && parts[2].equals("kB")) {
        figures.put(parts[0].substring(0, parts[0].length() - 1), Long.parseLong(parts[1]));
      }
    }
    return figures;
  }

  /**
   * The resident memory of a service's child processes (the planner's Helm process while it runs),
   * in kB: memory the service costs the machine too.
   */
  private static long childrenResident(long pid) {
    long kilobytes = 0;
    for (ProcessHandle child :
        ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
      try {
        kilobytes += status(child.pid()).getOrDefault("VmRSS", 0L);
      } catch (IOException e) {
        // it has just ended
      }
    }
    return kilobytes;
  }

  private static boolean alive(long pid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent() && handle.get().isAlive();
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void drain(BufferedReader output) {
    try {
      while (output.readLine() != null) {
        // the narration of the stop
      }
    } catch (IOException e) {
      // the process has gone
    }
  }

  private static String megabytes(List<Long> kilobytes) {
    return Stats.summary(kilobytes.stream().map(kb -> kb / 1024).toList());
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
