package dev.lockstep.manifest;

/** The four ways a component reaches the cluster (DESIGN section 4). */
public enum Delivery {
  /** Set a workload's container image. */
  IMAGE,
  /** Apply a bundle of objects by create-or-replace; delete what the new bundle drops. */
  MANIFESTS,
  /** Render a Helm chart and apply the result like a bundle. */
  HELM,
  /** Patch an operator-managed resource and wait for its status. */
  CUSTOM_RESOURCE
}
