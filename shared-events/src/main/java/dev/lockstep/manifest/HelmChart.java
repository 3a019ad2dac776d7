package dev.lockstep.manifest;

import jakarta.annotation.Nullable;
import java.util.Map;

/**
 * A Helm chart rendered into manifests.
 *
 * @param chart a chart directory or packaged chart reference
 * @param version the chart version
 * @param values the values to render it with
 * @param namespace the release namespace
 */
public record HelmChart(
    String chart,
    String version,
    @Omittable Map<String, Object> values,
    @Nullable String namespace) {
  public HelmChart {
    values = values == null ? Map.of() : values;
  }
}
