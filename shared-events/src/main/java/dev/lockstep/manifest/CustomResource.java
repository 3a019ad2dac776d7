package dev.lockstep.manifest;

import jakarta.annotation.Nullable;
import java.util.Map;

/**
 * An operator-managed resource: patched with {@code set}, then waited on until its status holds
 * every {@code readyWhen} field.
 *
 * @param apiVersion the resource's API group and version
 * @param kind its kind
 * @param namespace its namespace
 * @param name its name
 * @param set dotted paths and the values to set ({@code spec.version: 2.0.0})
 * @param readyWhen dotted status paths and the values that mean the new version runs
 * @param timeout how long to wait, Go style
 */
public record CustomResource(
    String apiVersion,
    String kind,
    String namespace,
    String name,
    Map<String, Object> set,
    @Omittable Map<String, Object> readyWhen,
    @Nullable String timeout) {
  public CustomResource {
    set = set == null ? Map.of() : set;
    readyWhen = readyWhen == null ? Map.of() : readyWhen;
  }
}
