package dev.lockstep.notifier.delivery;

import dev.lockstep.notifier.message.Notice;
import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One row of the delivery log: a notice to one team on one channel.
 *
 * @param id the delivery id, derived from (notice id, team, channel); receivers may deduplicate by
 *     it (the webhook's {@code Idempotency-Key})
 * @param team the team
 * @param channel the channel's name
 * @param channelType the channel's type
 * @param state where it stands
 * @param attempts attempts made so far
 * @param nextAttemptAt when the next attempt is due
 * @param lastError the last error, without secrets
 * @param notice the notice
 * @param subject the rendered subject
 * @param body the rendered body
 * @param outcomePublished true once its outcome event is on Kafka
 */
public record DeliveryRecord(
    String id,
    String team,
    String channel,
    String channelType,
    DeliveryState state,
    int attempts,
    Instant nextAttemptAt,
    @Nullable String lastError,
    Notice notice,
    String subject,
    String body,
    boolean outcomePublished) {}
