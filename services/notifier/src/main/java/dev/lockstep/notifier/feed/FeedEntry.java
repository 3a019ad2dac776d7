package dev.lockstep.notifier.feed;

import jakarta.annotation.Nullable;
import java.time.Instant;

/**
 * One entry of a team's feed.
 *
 * @param id increasing per notifier database: the SSE event id and the pagination cursor
 * @param team the team
 * @param noticeId the notice (source event id, or the advance notice's id)
 * @param type the short event type
 * @param severity info, warning or critical
 * @param platform the platform
 * @param upgradeId the upgrade, if any
 * @param time when it happened
 * @param subject the rendered subject
 * @param body the rendered body
 */
public record FeedEntry(
    long id,
    String team,
    String noticeId,
    String type,
    String severity,
    String platform,
    @Nullable String upgradeId,
    Instant time,
    String subject,
    String body) {}
