package dev.lockstep.console.submit;

import dev.lockstep.events.ErrorDetail;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * An uploaded release file: at most 1 MiB of UTF-8 text, sent as YAML or plain text (or as whatever
 * a browser calls a file it has no type for). A picture, an archive or a file that is not text is
 * refused with a problem at {@code file}.
 *
 * @param name the file's name as the browser gave it
 * @param contentType the part's content type, null when none was sent
 * @param size the file's size in bytes
 */
record ReleaseFile(String name, String contentType, long size) {
  private static final Set<String> TYPES =
      Set.of(
          "application/yaml",
          "application/x-yaml",
          "text/yaml",
          "text/x-yaml",
          "text/plain",
          "application/json",
          // what a browser sends for a file whose type it does not know (.yml on many systems)
          "application/octet-stream");

  /** Whether the browser sent a file at all: an empty file input sends no name and no bytes. */
  boolean chosen() {
    return name != null && !name.isBlank() || size > 0;
  }

  /** The problem with the file before its bytes are read, if any. */
  ErrorDetail refusal() {
    if (size > SubmitForm.MAX_BYTES) {
      return SubmitForm.tooLarge("file", "the file " + name, size);
    }
    String type = mediaType();
    if (!type.isEmpty() && !TYPES.contains(type)) {
      return new ErrorDetail(
          "unsupported-media-type",
          "file",
          "the file "
              + name
              + " is "
              + type
              + ", not a release: choose the release's YAML file (.yaml)");
    }
    if (size == 0) {
      return new ErrorDetail(SubmitForm.INVALID_MANIFEST, "file", "the file " + name + " is empty");
    }
    return null;
  }

  /** The file's text, or null when its bytes are not UTF-8 text. */
  static String text(byte[] bytes) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
      return text.indexOf('\u0000') >= 0 ? null : text;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** The problem of a file whose bytes are not text. */
  ErrorDetail notText() {
    return new ErrorDetail(
        "unsupported-media-type",
        "file",
        "the file " + name + " is not UTF-8 text: choose the release's YAML file (.yaml)");
  }

  private String mediaType() {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .trim()
        .toLowerCase(Locale.ROOT);
  }
}
