package dev.lockstep.testkit.cluster;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The parts of a Kubernetes API request path: group, version, plural resource, namespace, name and
 * subresource. Absent parts are {@code null}; the core group is the empty string.
 */
record ApiPath(
    String group,
    String version,
    String resource,
    String namespace,
    String name,
    String subresource) {

  /** Subresources of a namespace object, which would otherwise read as a namespaced resource. */
  private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

  /** A path that is not an API resource path, such as {@code /version}. */
  static final ApiPath NONE = new ApiPath(null, null, null, null, null, null);

  /**
   * Parses a request path such as {@code /apis/apps/v1/namespaces/ns/deployments/web/scale?x=y}.
   */
  static ApiPath parse(String rawPath) {
    if (rawPath == null) {
      return NONE;
    }
    int query = rawPath.indexOf('?');
    String path = query >= 0 ? rawPath.substring(0, query) : rawPath;
    List<String> segments =
        Arrays.stream(path.split("/")).filter(segment -> !segment.isEmpty()).toList();
    String group;
    String version;
    int rest;
    if (segments.size() >= 2 && segments.get(0).equals("api")) {
      group = "";
      version = segments.get(1);
      rest = 2;
    } else if (segments.size() >= 3 && segments.get(0).equals("apis")) {
      group = segments.get(1);
      version = segments.get(2);
      rest = 3;
    } else {
      return NONE;
    }
    List<String> tail = segments.subList(rest, segments.size());
    if (tail.isEmpty()) {
      return new ApiPath(group, version, null, null, null, null);
    }
    boolean namespaced =
        tail.get(0).equals("namespaces")
            && tail.size() >= 3
            && !(tail.size() == 3 && NAMESPACE_SUBRESOURCES.contains(tail.get(2)));
    if (namespaced) {
      return new ApiPath(group, version, tail.get(2), tail.get(1), at(tail, 3), joinFrom(tail, 4));
    }
    return new ApiPath(group, version, tail.get(0), null, at(tail, 1), joinFrom(tail, 2));
  }

  /** The group and resource as Kubernetes writes them, e.g. {@code deployments.apps}. */
  String groupResource() {
    if (resource == null) {
      return null;
    }
    return group == null || group.isEmpty() ? resource : resource + "." + group;
  }

  private static String at(List<String> segments, int index) {
    return index < segments.size() ? segments.get(index) : null;
  }

  private static String joinFrom(List<String> segments, int index) {
    return index < segments.size()
        ? String.join("/", segments.subList(index, segments.size()))
        : null;
  }
}
