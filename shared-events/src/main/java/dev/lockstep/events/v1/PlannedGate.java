package dev.lockstep.events.v1;

import dev.lockstep.manifest.Gate;
import jakarta.annotation.Nullable;

/**
 * A gate as a plan runs it: its name and kind (as DESIGN section 9 shows them), the component it
 * belongs to (null for release gates) and its whole specification.
 *
 * @param name the gate's name
 * @param kind kubernetes, http, prometheus, sql or approval
 * @param component the component whose gate it is, or null for a release gate
 * @param spec the gate as the release declares it
 */
public record PlannedGate(String name, String kind, @Nullable String component, Gate spec) {}
