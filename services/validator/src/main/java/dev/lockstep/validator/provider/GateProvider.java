package dev.lockstep.validator.provider;

import java.util.concurrent.CompletableFuture;

/**
 * Takes one measurement of one kind of gate without blocking the caller: the future completes with
 * the outcome, an error outcome when the provider cannot be reached or answers with an error.
 */
public interface GateProvider {
  /** The gate kind it measures: {@code http}, {@code kubernetes}, ... */
  String kind();

  /** Starts one measurement. */
  CompletableFuture<Outcome> measure(MeasureRequest request);
}
