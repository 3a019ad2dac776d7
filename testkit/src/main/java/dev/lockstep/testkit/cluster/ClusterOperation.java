package dev.lockstep.testkit.cluster;

import java.time.Instant;

/**
 * One mutating request (POST, PUT, PATCH or DELETE) that reached the simulated API server, so a
 * test can assert exactly what the code under test changed in the cluster.
 *
 * @param sequence arrival order, increasing across the life of the cluster
 * @param time when the request arrived
 * @param method the HTTP method, upper case
 * @param path the request path including any query string
 * @param group the API group; the empty string for the core group, {@code null} if not an API path
 * @param version the API version, e.g. {@code v1}
 * @param resource the plural resource name, e.g. {@code deployments}
 * @param kind the object kind, e.g. {@code Deployment}; {@code null} when it cannot be known (a
 *     resource the cluster has not seen created and does not know by name)
 * @param namespace the namespace, {@code null} for cluster-scoped resources
 * @param name the object name; for a create, the name the server assigned; {@code null} for
 *     requests on a whole collection
 * @param subresource e.g. {@code status} or {@code scale}; {@code null} for the object itself
 * @param actor the value of the {@value OperationLog#ACTOR_HEADER} header, or {@value
 *     OperationLog#DEFAULT_ACTOR} when the client did not send one
 * @param statusCode the HTTP status the server answered with
 */
public record ClusterOperation(
    long sequence,
    Instant time,
    String method,
    String path,
    String group,
    String version,
    String resource,
    String kind,
    String namespace,
    String name,
    String subresource,
    String actor,
    int statusCode) {

  /** Whether the simulator itself (kubelet, cluster bootstrap) made this request. */
  public boolean bySimulator() {
    return actor.startsWith(OperationLog.SIMULATOR_ACTOR_PREFIX);
  }

  /** Whether the code under test, not the simulator, made this request. */
  public boolean byCodeUnderTest() {
    return !bySimulator();
  }

  /** Whether this request was on a {@code coordination.k8s.io} Lease (the executor's fence). */
  public boolean isLease() {
    return "coordination.k8s.io".equals(group) && "leases".equals(resource);
  }

  /** Whether the server accepted the request (a 2xx answer). */
  public boolean succeeded() {
    return statusCode >= 200 && statusCode < 300;
  }

  /** Whether this request wrote the {@code status} subresource. */
  public boolean isStatusWrite() {
    return "status".equals(subresource);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    text.append('#').append(sequence).append(' ').append(method).append(' ');
    text.append(kind != null ? kind : resource != null ? resource : path);
    if (name != null || namespace != null) {
      text.append(' ');
      if (namespace != null) {
        text.append(namespace).append('/');
      }
      text.append(name != null ? name : "*");
    }
    if (subresource != null) {
      text.append(" [").append(subresource).append(']');
    }
    return text.append(" by ").append(actor).append(" -> ").append(statusCode).toString();
  }
}
