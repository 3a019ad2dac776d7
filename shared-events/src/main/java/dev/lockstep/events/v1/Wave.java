package dev.lockstep.events.v1;

import java.util.List;

/**
 * A wave of a plan: steps that may run in parallel (one component's steps in order), then the gates
 * that must pass before the next wave.
 *
 * @param index 0 for the first wave
 * @param layer the layer the wave belongs to
 * @param steps its steps
 * @param gates its gates
 */
public record Wave(int index, String layer, List<PlanStep> steps, List<PlannedGate> gates) {
  public Wave {
    steps = List.copyOf(steps);
    gates = List.copyOf(gates);
  }
}
