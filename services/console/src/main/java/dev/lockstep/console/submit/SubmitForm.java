package dev.lockstep.console.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.lockstep.events.ErrorDetail;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What the submit form holds, as the operator typed it (so that a page can show it again to be
 * corrected), and its check: the release's YAML read into the tree the planner's preview and
 * upgrade requests carry, built as {@code lockstep plan} and {@code lockstep submit} build them.
 * Every problem the console can find itself is listed at once, with the path the planner would give
 * it ({@code release}, {@code platform}, {@code window.notBefore}, ...).
 *
 * @param platform the platform to upgrade
 * @param release the release manifest, YAML (pasted, or the chosen file's text)
 * @param reason why, optional
 * @param upgradeId the id to give the upgrade, optional
 * @param notBefore the window's start, ISO-8601, optional
 * @param notAfter the window's end, ISO-8601, optional
 */
record SubmitForm(
    String platform,
    String release,
    String reason,
    String upgradeId,
    String notBefore,
    String notAfter) {

  /** The most the console takes for a release, pasted or uploaded: 1 MiB. */
  static final int MAX_BYTES = 1024 * 1024;

  static final String INVALID_MANIFEST = "invalid-manifest";
  static final String INVALID_REQUEST = "invalid-request";
  static final String TOO_LARGE = "too-large";

  private static final ObjectMapper YAML = new YAMLMapper(new YAMLFactory());

  SubmitForm {
    platform = trimmed(platform);
    // a browser sends a textarea's line breaks as CRLF
    release = release == null ? "" : release.replace("\r\n", "\n");
    reason = trimmed(reason);
    upgradeId = trimmed(upgradeId);
    notBefore = trimmed(notBefore);
    notAfter = trimmed(notAfter);
  }

  /** An empty form, for the platform given (or none). */
  static SubmitForm empty(String platform) {
    return new SubmitForm(platform, "", "", "", "", "");
  }

  /** The same form with another release text (an uploaded file's). */
  SubmitForm withRelease(String text) {
    return new SubmitForm(platform, text, reason, upgradeId, notBefore, notAfter);
  }

  /**
   * The form checked: the preview's body and the submission's (the same platform, release and
   * window; the submission adds the reason and the upgrade's id, drawn here when none was given so
   * that a submission sent twice makes one upgrade), or every problem found.
   *
   * @param sees whether the operator's token may see a platform
   */
  Checked check(java.util.function.Predicate<String> sees) {
    List<ErrorDetail> problems = new ArrayList<>();
    if (platform.isEmpty()) {
      problems.add(new ErrorDetail(INVALID_REQUEST, "platform", "name the platform to upgrade"));
    } else if (!sees.test(platform)) {
      problems.add(
          new ErrorDetail(
              "forbidden", "platform", "your token may not act on platform " + platform));
    }
    JsonNode tree = release(problems);
    ObjectNode window = window(problems);
    if (!problems.isEmpty()) {
      return new Checked(List.copyOf(problems), null, null);
    }
    ObjectNode preview = JsonNodeFactory.instance.objectNode();
    preview.put("platform", platform);
    preview.set("release", tree);
    if (window != null) {
      preview.set("window", window);
    }
    ObjectNode submission = JsonNodeFactory.instance.objectNode();
    submission.put("platform", platform);
    submission.set("release", tree);
    submission.put("upgradeId", upgradeId.isEmpty() ? "up-" + UUID.randomUUID() : upgradeId);
    if (!reason.isEmpty()) {
      submission.put("reason", reason);
    }
    if (window != null) {
      submission.set("window", window);
    }
    return new Checked(List.of(), preview, submission);
  }

  private JsonNode release(List<ErrorDetail> problems) {
    int bytes = release.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      problems.add(tooLarge("release", "the release", bytes));
      return null;
    }
    if (release.isBlank()) {
      problems.add(
          new ErrorDetail(INVALID_MANIFEST, "release", "paste the release or choose its file"));
      return null;
    }
    JsonNode tree;
    try {
      tree = YAML.readTree(release);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      String why =
          e.getOriginalMessage() == null
              ? ""
              : e.getOriginalMessage().lines().findFirst().orElse("");
      problems.add(
          new ErrorDetail(
              INVALID_MANIFEST,
              "release",
              "the release is not valid YAML" + where + (why.isBlank() ? "" : ": " + why)));
      return null;
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      problems.add(
          new ErrorDetail(INVALID_MANIFEST, "release", "the release holds no YAML document"));
      return null;
    }
    return tree;
  }

  private ObjectNode window(List<ErrorDetail> problems) {
    if (notBefore.isEmpty() && notAfter.isEmpty()) {
      return null;
    }
    ObjectNode window = JsonNodeFactory.instance.objectNode();
    window.put("notBefore", instant("notBefore", notBefore, problems));
    window.put("notAfter", instant("notAfter", notAfter, problems));
    return window;
  }

  private static String instant(String field, String value, List<ErrorDetail> problems) {
    if (value.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(value).toString();
    } catch (DateTimeParseException e) {
      problems.add(
          new ErrorDetail(
              INVALID_REQUEST,
              "window." + field,
              "'" + value + "' is not an instant; write it as 2026-11-22T02:00:00Z"));
      return null;
    }
  }

  /** The problem of a text or file over {@link #MAX_BYTES}. */
  static ErrorDetail tooLarge(String path, String what, long bytes) {
    return new ErrorDetail(
        TOO_LARGE,
        path,
        what
            + " is "
            + String.format(java.util.Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0))
            + " MiB; the console takes at most 1 MiB");
  }

  private static String trimmed(String value) {
    return value == null ? "" : value.trim();
  }

  /**
   * A checked form.
   *
   * @param problems every problem found; empty when the form is good
   * @param preview the body of {@code POST /api/v1/plans/preview}, when good
   * @param submission the body of {@code POST /api/v1/upgrades}, when good
   */
  record Checked(List<ErrorDetail> problems, ObjectNode preview, ObjectNode submission) {
    boolean ok() {
      return problems.isEmpty();
    }
  }
}
