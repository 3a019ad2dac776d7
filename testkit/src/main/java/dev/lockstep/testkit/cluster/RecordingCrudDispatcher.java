package dev.lockstep.testkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fabric8 CRUD dispatcher with these changes: it records every mutating request in the {@link
 * OperationLog}; looks up a namespace's objects among that namespace's only ({@link
 * NamespacedStore}); treats {@code status} as a subresource of the built-in workloads and pods (as
 * the real API server does, so a create or update of the object never overwrites the status the
 * simulated kubelet wrote); answers {@code /version}; and serves watches itself ({@link
 * WatchStream}), so that a closing watch cannot stall the server and a watch that starts from a
 * list's resourceVersion also receives the deletions since that list, as on a real API server.
 */
final class RecordingCrudDispatcher extends KubernetesCrudDispatcher {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> MUTATING_METHODS = Set.of("POST", "PUT", "PATCH", "DELETE");
  private static final Set<String> WITH_STATUS_SUBRESOURCE =
      Set.of(
          "pods", "deployments", "statefulsets", "daemonsets", "replicasets", "jobs", "cronjobs");
  private static final Pattern GIT_VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)(\\..*)?");
  private static final Pattern POD_LOG =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(?:\\?(.*))?");

  /** Kinds of common built-in resources, for requests whose body names no kind (DELETE, PATCH). */
  private static final Map<String, String> BUILT_IN_KINDS =
      Map.ofEntries(
          Map.entry("pods", "Pod"),
          Map.entry("services", "Service"),
          Map.entry("configmaps", "ConfigMap"),
          Map.entry("secrets", "Secret"),
          Map.entry("namespaces", "Namespace"),
          Map.entry("nodes", "Node"),
          Map.entry("events", "Event"),
          Map.entry("serviceaccounts", "ServiceAccount"),
          Map.entry("persistentvolumeclaims", "PersistentVolumeClaim"),
          Map.entry("persistentvolumes", "PersistentVolume"),
          Map.entry("deployments.apps", "Deployment"),
          Map.entry("statefulsets.apps", "StatefulSet"),
          Map.entry("daemonsets.apps", "DaemonSet"),
          Map.entry("replicasets.apps", "ReplicaSet"),
          Map.entry("controllerrevisions.apps", "ControllerRevision"),
          Map.entry("jobs.batch", "Job"),
          Map.entry("cronjobs.batch", "CronJob"),
          Map.entry("ingresses.networking.k8s.io", "Ingress"),
          Map.entry("networkpolicies.networking.k8s.io", "NetworkPolicy"),
          Map.entry("horizontalpodautoscalers.autoscaling", "HorizontalPodAutoscaler"),
          Map.entry("poddisruptionbudgets.policy", "PodDisruptionBudget"),
          Map.entry("leases.coordination.k8s.io", "Lease"),
          Map.entry("roles.rbac.authorization.k8s.io", "Role"),
          Map.entry("rolebindings.rbac.authorization.k8s.io", "RoleBinding"),
          Map.entry("clusterroles.rbac.authorization.k8s.io", "ClusterRole"),
          Map.entry("clusterrolebindings.rbac.authorization.k8s.io", "ClusterRoleBinding"),
          Map.entry("customresourcedefinitions.apiextensions.k8s.io", "CustomResourceDefinition"));

  /** How many deletions a new watch can catch up on. */
  private static final int DELETION_HISTORY = 1_000;

  private final OperationLog log;
  private final Clock clock;
  private final PodLogs podLogs;
  private final Map<String, String> kinds = new ConcurrentHashMap<>(BUILT_IN_KINDS);
  private final NamespacedStore store;
  private volatile String gitVersion = SimulatedCluster.DEFAULT_KUBERNETES_VERSION;

  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();

  /** Orders watch events against the initial events of a new watch. */
  private final Object watchLock = new Object();

  /** Recent deletions, oldest first; guarded by {@link #watchLock}. */
  private final Deque<Deletion> deletions = new ArrayDeque<>();

  private record Deletion(long resourceVersion, AttributeSet attributes, String objectJson) {}

  RecordingCrudDispatcher(OperationLog log, Clock clock) {
    this.log = Objects.requireNonNull(log, "log");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.podLogs = new PodLogs(clock);
    this.store = NamespacedStore.install(this);
  }

  /** The containers' logs this server serves. */
  PodLogs podLogs() {
    return podLogs;
  }

  String kubernetesVersion() {
    return gitVersion;
  }

  void kubernetesVersion(String gitVersion) {
    if (!GIT_VERSION.matcher(gitVersion).matches()) {
      throw new IllegalArgumentException("not a Kubernetes version like v1.31.0: " + gitVersion);
    }
    this.gitVersion = gitVersion.startsWith("v") ? gitVersion : "v" + gitVersion;
  }

  /**
   * Answers every later request whose path contains {@code pathPart} only after {@code delay} (a
   * timer: other requests are answered meanwhile, as by a loaded API server); null stops it.
   */
  void slowDown(String pathPart, Duration delay) {
    this.slow = pathPart == null ? null : new Slow(pathPart, delay);
  }

  private record Slow(String pathPart, Duration delay) {}

  private volatile Slow slow;

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    MockResponse response = answer(request);
    Slow s = slow;
    if (s != null && response != null && request.getPath().contains(s.pathPart())) {
      response.setBodyDelay(s.delay());
    }
    return response;
  }

  private MockResponse answer(RecordedRequest request) {
    String method = request.getMethod().toUpperCase(Locale.ROOT);
    if (method.equals("GET") && ApiPath.parse(request.getPath()) == ApiPath.NONE) {
      String path = request.getPath();
      if (path.equals("/version") || path.startsWith("/version?")) {
        return versionResponse();
      }
    }
    Matcher podLog = POD_LOG.matcher(request.getPath());
    if (method.equals("GET") && podLog.matches()) {
      String namespace = podLog.group(1);
      String pod = podLog.group(2);
      return podLogs.answer(namespace, pod, storedPod(namespace, pod), podLog.group(3));
    }
    if (!MUTATING_METHODS.contains(method)) {
      return super.dispatch(request);
    }
    long sequence = log.arrive();
    Instant time = clock.instant();
    // getBytes() copies; the delegate then consumes the body as usual.
    byte[] body = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    MockResponse response = null;
    try {
      response = super.dispatch(request);
      return response;
    } finally {
      log.record(operation(sequence, time, method, request, body, response));
    }
  }

  @Override
  public MockResponse handleGet(String path) {
    return store.within(attributeExtractor.fromPath(path), () -> super.handleGet(path));
  }

  @Override
  public MockResponse handleDelete(String path) {
    return store.within(attributeExtractor.fromPath(path), () -> super.handleDelete(path));
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    return store.within(attributes, () -> super.findResource(attributes));
  }

  @Override
  public boolean isStatusSubresourceEnabledForResource(String path) {
    ApiPath api = ApiPath.parse(path);
    boolean builtIn =
        api.resource() != null
            && WITH_STATUS_SUBRESOURCE.contains(api.resource())
            && Set.of("", "apps", "batch").contains(api.group());
    return builtIn || super.isStatusSubresourceEnabledForResource(path);
  }

  @Override
  public MockResponse handleWatch(String path) {
    Map<String, String> parameters = queryParameters(path);
    AttributeSet query = attributeExtractor.fromPath(path);
    for (String selector : parameters.getOrDefault("fieldSelector", "").split(",")) {
      if (selector.startsWith("metadata.name=")) {
        String name = selector.substring("metadata.name=".length());
        query = query.add(new Attribute(KubernetesAttributesExtractor.NAME, name));
      }
    }
    long since = resourceVersion(parameters.get("resourceVersion"));
    WatchStream watch = new WatchStream(query, watches, opened -> sendInitialEvents(opened, since));
    watches.add(watch);
    return new MockResponse().withWebSocketUpgrade(watch);
  }

  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    synchronized (watchLock) {
      String existing = oldAttributes == null ? null : map.get(oldAttributes);
      super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
      if (Objects.equals(existing, newState)) {
        return;
      }
      podLogs.stored(ApiPath.parse(path).resource(), newState);
      AttributeSet newAttributes =
          newState == null ? null : attributesOf(pathAttributes, resource, newState);
      if (newState == null && existing != null) {
        deletions.addLast(new Deletion(requestResourceVersion(), oldAttributes, existing));
        while (deletions.size() > DELETION_HISTORY) {
          deletions.removeFirst();
        }
      }
      for (WatchStream watch : watches) {
        boolean matchedBefore = watch.matches(oldAttributes);
        boolean matchesNow = watch.matches(newAttributes);
        if (matchedBefore && matchesNow) {
          watch.send(Watcher.Action.MODIFIED, newState);
        } else if (matchedBefore) {
          watch.send(Watcher.Action.DELETED, existing);
        } else if (matchesNow) {
          watch.send(Watcher.Action.ADDED, newState);
        }
      }
    }
  }

  /** The pod as stored, or null. */
  private String storedPod(String namespace, String name) {
    AttributeSet query =
        attributeExtractor.fromPath("/api/v1/namespaces/" + namespace + "/pods/" + name);
    return store.within(
        query,
        () -> {
          synchronized (map) {
            for (Map.Entry<AttributeSet, String> entry : map.entrySet()) {
              if (entry.getKey().matches(query)) {
                return entry.getValue();
              }
            }
          }
          return null;
        });
  }

  /** Closes every open watch. */
  void closeWatches() {
    watches.forEach(WatchStream::close);
  }

  /**
   * A new watch first gets the deletions since the resourceVersion it starts from (which the mock
   * server would not send), then every current object as ADDED, as the mock server does.
   */
  private void sendInitialEvents(WatchStream watch, long since) {
    synchronized (watchLock) {
      if (since >= 0) {
        for (Deletion deletion : deletions) {
          if (deletion.resourceVersion() > since && watch.matches(deletion.attributes())) {
            watch.send(Watcher.Action.DELETED, deletion.objectJson());
          }
        }
      }
      List<Map.Entry<AttributeSet, String>> current;
      synchronized (map) {
        current = new ArrayList<>(map.entrySet());
      }
      for (Map.Entry<AttributeSet, String> entry : current) {
        if (watch.matches(entry.getKey())) {
          watch.send(Watcher.Action.ADDED, entry.getValue());
        }
      }
    }
  }

  /** The attributes the stored object is filed under, computed as the mock server does. */
  private AttributeSet attributesOf(
      AttributeSet pathAttributes, GenericKubernetesResource resource, String newState) {
    KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
    AttributeSet attributes =
        resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
    return attributes.containsKey(KubernetesAttributesExtractor.PLURAL)
        ? attributes
        : AttributeSet.merge(pathAttributes, attributes);
  }

  private static Map<String, String> queryParameters(String path) {
    String query;
    try {
      query = new URI(path).getQuery();
    } catch (URISyntaxException invalid) {
      return Map.of();
    }
    Map<String, String> parameters = new HashMap<>();
    if (query != null) {
      for (String parameter : query.split("&")) {
        int equals = parameter.indexOf('=');
        if (equals > 0) {
          parameters.put(parameter.substring(0, equals), parameter.substring(equals + 1));
        }
      }
    }
    return parameters;
  }

  private static long resourceVersion(String text) {
    try {
      return text == null || text.isEmpty() ? -1 : Long.parseLong(text);
    } catch (NumberFormatException notANumber) {
      return -1;
    }
  }

  private ClusterOperation operation(
      long sequence,
      Instant time,
      String method,
      RecordedRequest request,
      byte[] body,
      MockResponse response) {
    ApiPath api = ApiPath.parse(request.getPath());
    int statusCode = response == null ? HttpURLConnection.HTTP_INTERNAL_ERROR : response.code();
    JsonNode requestObject = method.equals("POST") || method.equals("PUT") ? parse(body) : null;
    boolean objectBody = api.subresource() == null && requestObject != null;
    if (objectBody && api.groupResource() != null) {
      String bodyKind = requestObject.path("kind").asText("");
      if (!bodyKind.isEmpty() && !bodyKind.endsWith("List")) {
        kinds.putIfAbsent(api.groupResource(), bodyKind);
      }
    }
    String name = api.name();
    if (name == null && method.equals("POST") && objectBody) {
      JsonNode created =
          statusCode < 300 && response != null ? parse(bodyBytes(response.getBody())) : null;
      JsonNode source = created != null ? created : requestObject;
      name = textOrNull(source.path("metadata").path("name"));
    }
    String actor = request.getHeader(OperationLog.ACTOR_HEADER);
    return new ClusterOperation(
        sequence,
        time,
        method,
        request.getPath(),
        api.group(),
        api.version(),
        api.resource(),
        api.groupResource() == null ? null : kinds.get(api.groupResource()),
        api.namespace(),
        name,
        api.subresource(),
        actor == null || actor.isBlank() ? OperationLog.DEFAULT_ACTOR : actor,
        statusCode);
  }

  private MockResponse versionResponse() {
    Matcher version = GIT_VERSION.matcher(gitVersion);
    if (!version.matches()) {
      throw new IllegalStateException("invalid version " + gitVersion);
    }
    ObjectNode info = JSON.createObjectNode();
    info.put("major", version.group(1));
    info.put("minor", version.group(2));
    info.put("gitVersion", gitVersion);
    info.put("gitCommit", "0000000000000000000000000000000000000000");
    info.put("gitTreeState", "clean");
    info.put("buildDate", "2025-01-01T00:00:00Z");
    info.put("goVersion", "go1.22.0");
    info.put("compiler", "gc");
    info.put("platform", "linux/amd64");
    return new MockResponse()
        .setResponseCode(HttpURLConnection.HTTP_OK)
        .setHeader("Content-Type", "application/json")
        .setBody(info.toString());
  }

  private static byte[] bodyBytes(Buffer buffer) {
    return buffer == null ? new byte[0] : buffer.getBytes();
  }

  private static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() ? node : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  private static String textOrNull(JsonNode node) {
    return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
  }
}
