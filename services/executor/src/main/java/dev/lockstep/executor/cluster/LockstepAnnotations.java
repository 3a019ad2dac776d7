package dev.lockstep.executor.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The annotations Lockstep writes on every object it touches: which upgrade and step changed it,
 * the version it now runs, and the object's state before the change, so that a restarted executor
 * finds its work done and still knows what was there before.
 */
public final class LockstepAnnotations {
  /** The upgrade that last changed the object. */
  public static final String UPGRADE_ID = "lockstep.dev/upgrade-id";

  /** The step that last changed the object. */
  public static final String STEP_ID = "lockstep.dev/step-id";

  /** The component version the object runs. */
  public static final String VERSION = "lockstep.dev/version";

  /** The component the object belongs to. */
  public static final String COMPONENT = "lockstep.dev/component";

  /**
   * The release the platform runs, as its owner declares it on every workload; when all agree it is
   * the inventory's release.
   */
  public static final String RELEASE = "lockstep.dev/release";

  /** The component's layer, when known. */
  public static final String LAYER = "lockstep.dev/layer";

  /** The component's requirements (a JSON object of npm-style ranges), when known. */
  public static final String REQUIRES = "lockstep.dev/requires";

  /** The object's state before the step named in {@link #STEP_ID} changed it (JSON). */
  public static final String BEFORE_STATE = "lockstep.dev/before-state";

  private static final String PREFIX = "lockstep.dev/";

  private LockstepAnnotations() {}

  /** Whether the object carries the mark of this step of this upgrade. */
  public static boolean markedBy(Map<String, String> annotations, String upgradeId, String stepId) {
    return annotations != null
        && upgradeId.equals(annotations.get(UPGRADE_ID))
        && stepId.equals(annotations.get(STEP_ID));
  }

  /** The annotations worth recording in a before-state: everything but the previous one. */
  public static Map<String, String> recordable(Map<String, String> annotations) {
    Map<String, String> result = new LinkedHashMap<>();
    if (annotations != null) {
      annotations.forEach(
          (key, value) -> {
            if (!key.equals(BEFORE_STATE)
                && !key.equals("kubectl.kubernetes.io/last-applied-configuration")) {
              result.put(key, value);
            }
          });
    }
    return result;
  }

  /** The Lockstep annotations alone, without the recorded before-state. */
  public static Map<String, String> lockstepOnly(Map<String, String> annotations) {
    Map<String, String> result = new LinkedHashMap<>();
    if (annotations != null) {
      annotations.forEach(
          (key, value) -> {
            if (key.startsWith(PREFIX) && !key.equals(BEFORE_STATE)) {
              result.put(key, value);
            }
          });
    }
    return result;
  }
}
