package dev.lockstep.events.v1;

import jakarta.annotation.Nullable;
import java.util.Map;

/**
 * The state of one cluster object before a step changed it: enough to put it back exactly and to
 * fill the version table.
 *
 * @param apiVersion the object's API version
 * @param kind its kind
 * @param namespace its namespace; null for cluster-scoped objects
 * @param name its name
 * @param exists false when the step created the object (a rollback deletes it)
 * @param resourceVersion the resource version seen before the change
 * @param images container name to image, for workloads
 * @param replicas the desired replicas, for scalable workloads
 * @param version the Lockstep version annotation (or the component version) before the change
 * @param annotations the object's annotations
 * @param manifest the whole object, where a rollback re-creates or replaces it
 */
public record ObjectState(
    String apiVersion,
    String kind,
    @Nullable String namespace,
    String name,
    boolean exists,
    @Nullable String resourceVersion,
    @Nullable Map<String, String> images,
    @Nullable Integer replicas,
    @Nullable String version,
    @Nullable Map<String, String> annotations,
    @Nullable Map<String, Object> manifest) {}
