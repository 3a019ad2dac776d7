package dev.lockstep.events.v1;

import java.util.List;

/**
 * The risk of a plan: a score from 0 to 100 and the factors that make it up.
 *
 * @param score 0 (routine) to 100 (dangerous)
 * @param factors one line each, naming the components involved
 */
public record Risk(int score, List<String> factors) {
  public Risk {
    factors = List.copyOf(factors);
  }
}
