package dev.lockstep.notifier.cdevents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lockstep.events.Json;
import java.time.Instant;

/**
 * One CDEvent as the notifier sends it: the CloudEvents attributes its binding needs, and the whole
 * CDEvent ({@code context}, {@code subject}, {@code customData}) as JSON.
 *
 * @param id the CDEvent's (and CloudEvent's) id, derived from the Lockstep event it tells
 * @param type the CDEvents type ({@code dev.cdevents.pipelinerun.started.0.2.0})
 * @param source the CDEvent's source ({@code /lockstep/<platform>})
 * @param subjectId the CDEvent subject's id (the CloudEvent's {@code subject})
 * @param timestamp the Lockstep event's time (the CloudEvent's {@code time})
 * @param platform the platform, the Kafka key
 * @param json the CDEvent
 */
public record CdEvent(
    String id,
    String type,
    String source,
    String subjectId,
    Instant timestamp,
    String platform,
    String json) {

  static CdEvent of(
      String id,
      String type,
      String source,
      String subjectId,
      Instant timestamp,
      String platform,
      ObjectNode json) {
    try {
      return new CdEvent(
          id, type, source, subjectId, timestamp, platform, Json.mapper().writeValueAsString(json));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a CDEvent: " + e.getOriginalMessage(), e);
    }
  }
}
