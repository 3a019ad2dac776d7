package dev.lockstep.manifest;

import java.util.List;

/**
 * The content of a release.
 *
 * @param layers layer names, bottom to top
 * @param components every component of the release
 * @param gates gates run after every wave
 */
public record ReleaseSpec(
    List<String> layers, List<Component> components, @Omittable List<Gate> gates) {
  public ReleaseSpec {
    layers = layers == null ? List.of() : List.copyOf(layers);
    components = components == null ? List.of() : List.copyOf(components);
    gates = gates == null ? List.of() : List.copyOf(gates);
  }
}
