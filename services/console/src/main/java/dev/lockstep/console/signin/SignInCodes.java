package dev.lockstep.console.signin;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One-time sign-in codes: how the local mode signs its operator in without a token in any URL. The
 * local mode writes a line {@code <code> <expires-epoch-seconds> <token>} to the file {@code
 * lockstep.console.signin-codes-file}; {@code GET /signin/<code>} redeems it once: the line is
 * removed, and a code used before, expired or unknown gives nothing.
 */
@Singleton
public class SignInCodes {
  private final Path file;
  private final Clock clock;
  private final Set<String> used = new HashSet<>();

  public SignInCodes(@Value("${lockstep.console.signin-codes-file:}") String file, Clock clock) {
    this.file = file == null || file.isBlank() ? null : Path.of(file);
    this.clock = clock;
  }

  /** The token of a code that is good, once; empty for any other code. */
  public synchronized Optional<String> redeem(String code) {
    if (file == null || code == null || code.length() < 16 || !used.add(code)) {
      return Optional.empty();
    }
    List<String> lines;
    try {
      lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> kept = new ArrayList<>();
    String token = null;
    for (String line : lines) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 3) {
        continue;
      }
      boolean expired;
      try {
        expired = !clock.instant().isBefore(Instant.ofEpochSecond(Long.parseLong(parts[1])));
      } catch (NumberFormatException e) {
        continue;
      }
      if (same(parts[0], code)) {
        token = expired ? null : parts[2];
      } else if (!expired) {
        kept.add(line);
      }
    }
    try {
      Files.write(file, kept);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Optional.ofNullable(token);
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}
