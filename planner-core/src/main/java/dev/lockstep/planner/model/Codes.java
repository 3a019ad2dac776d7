package dev.lockstep.planner.model;

/** The error codes of DESIGN section 9 that the planner uses. */
public final class Codes {
  public static final String INVALID_MANIFEST = "invalid-manifest";
  public static final String INVALID_REQUEST = "invalid-request";
  public static final String INVALID_VERSION = "invalid-version";
  public static final String INVALID_RANGE = "invalid-range";
  public static final String DUPLICATE_COMPONENT = "duplicate-component";
  public static final String UNKNOWN_LAYER = "unknown-layer";
  public static final String UNKNOWN_DEPENDENCY = "unknown-dependency";
  public static final String DEPENDENCY_CYCLE = "dependency-cycle";
  public static final String UNSATISFIABLE_REQUIREMENT = "unsatisfiable-requirement";
  public static final String INCOMPATIBLE_INTERMEDIATE_STATE = "incompatible-intermediate-state";
  public static final String NAMESPACE_NOT_ALLOWED = "namespace-not-allowed";
  public static final String OUTSIDE_WINDOW = "outside-window";
  public static final String NOT_FOUND = "not-found";
  public static final String CONFLICT = "conflict";
  public static final String FORBIDDEN = "forbidden";

  private Codes() {}
}
