package dev.lockstep.bench;

import java.util.List;

/** How the benchmarks print a series of figures. */
final class Stats {
  private Stats() {}

  /** "median [min-max]" of the figures, or "-" without any. */
  static String summary(List<Long> values) {
    if (values.isEmpty()) {
      return "-";
    }
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    long median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return String.format("%d [%d-%d]", median, sorted.get(0), sorted.get(n - 1));
  }
}
