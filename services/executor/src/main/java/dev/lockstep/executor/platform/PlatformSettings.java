package dev.lockstep.executor.platform;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * One platform the executor may act on ({@code lockstep.platforms.<id>.*}): how to reach its
 * cluster and the namespaces it may touch. Without {@code master-url} or {@code kubeconfig}, the
 * in-cluster configuration (or the default kubeconfig) is used.
 */
@EachProperty("lockstep.platforms")
public class PlatformSettings {
  private final String id;
  private List<String> namespaces = new ArrayList<>();
  private String masterUrl;
  private String kubeconfig;
  private String context;
  private List<String> customResources = new ArrayList<>();

  public PlatformSettings(@Parameter String id) {
    this.id = id;
  }

  /** The platform id (the Kafka key of its events). */
  public String getId() {
    return id;
  }

  /** The namespaces the executor may touch on this platform. */
  public List<String> getNamespaces() {
    return namespaces;
  }

  public void setNamespaces(List<String> namespaces) {
    this.namespaces = namespaces;
  }

  /** The API server URL, for a cluster reached without a kubeconfig (tests, local mode). */
  public String getMasterUrl() {
    return masterUrl;
  }

  public void setMasterUrl(String masterUrl) {
    this.masterUrl = masterUrl;
  }

  /** The path of a kubeconfig file. */
  public String getKubeconfig() {
    return kubeconfig;
  }

  public void setKubeconfig(String kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  /** The kubeconfig context to use; its current context when null. */
  public String getContext() {
    return context;
  }

  public void setContext(String context) {
    this.context = context;
  }

  /**
   * The kinds of operator-managed resources whose objects belong in the inventory, as {@code
   * <apiVersion>/<kind>} ({@code data.example.com/v1/RokCluster}): their objects in the allowed
   * namespaces are reported like workloads, with their Lockstep annotations.
   */
  public List<String> getCustomResources() {
    return customResources;
  }

  public void setCustomResources(List<String> customResources) {
    this.customResources = customResources;
  }
}
