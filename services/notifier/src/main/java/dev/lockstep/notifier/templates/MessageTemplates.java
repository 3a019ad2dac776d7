package dev.lockstep.notifier.templates;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.lockstep.events.Json;
import dev.lockstep.notifier.message.Message;
import dev.lockstep.notifier.message.Notice;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.loader.ClasspathLoader;
import io.pebbletemplates.pebble.loader.DelegatingLoader;
import io.pebbletemplates.pebble.loader.FileLoader;
import io.pebbletemplates.pebble.loader.Loader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The template library (an edge: it reads the class path and an override directory): one Pebble
 * template per notice type ({@code templates/<type>.peb}, falling back to {@code default.peb}),
 * kept in the class path and overridable file by file from a directory. A template's first line is
 * the subject, the rest the body. Templates see the notice as {@code n} (its fields, with durations
 * also as {@code downtime} and {@code lead} in words).
 */
public final class MessageTemplates {
  private final PebbleEngine engine;
  private final Path overrides;

  /**
   * @param overrideDir a directory whose templates replace the built-in ones, or null
   */
  public MessageTemplates(Path overrideDir) {
    this.overrides = overrideDir;
    List<Loader<?>> loaders = new ArrayList<>();
    if (overrideDir != null) {
      FileLoader files = new FileLoader();
      files.setPrefix(overrideDir.toString());
      loaders.add(files);
    }
    ClasspathLoader classpath = new ClasspathLoader(MessageTemplates.class.getClassLoader());
    classpath.setPrefix("templates");
    loaders.add(classpath);
    this.engine =
        new PebbleEngine.Builder()
            .loader(new DelegatingLoader(loaders))
            .autoEscaping(false)
            .newLineTrimming(true)
            .strictVariables(false)
            .build();
  }

  /** Renders the message of a notice. */
  public Message render(Notice notice) {
    PebbleTemplate template = engine.getTemplate(templateName(notice.type()));
    Map<String, Object> model = new HashMap<>();
    Map<String, Object> n = Json.mapper().convertValue(notice, new TypeReference<>() {});
    n.put("downtime", words(notice.expectedDowntime()));
    n.put("lead", words(notice.leadTime()));
    model.put("n", n);
    StringWriter out = new StringWriter();
    try {
      template.evaluate(out, model);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String rendered = out.toString().strip();
    int newline = rendered.indexOf('\n');
    if (newline < 0) {
      return new Message(rendered, "");
    }
    return new Message(
        rendered.substring(0, newline).strip(), rendered.substring(newline + 1).strip());
  }

  private String templateName(String type) {
    String name = type + ".peb";
    boolean exists =
        (overrides != null && Files.isRegularFile(overrides.resolve(name)))
            || MessageTemplates.class.getClassLoader().getResource("templates/" + name) != null;
    return exists ? name : "default.peb";
  }

  /** A duration in words: {@code 2 minutes}, {@code 1 hour}, {@code 1 day 2 hours}. */
  static String words(Duration duration) {
    if (duration == null) {
      return null;
    }
    long seconds = duration.getSeconds();
    if (seconds == 0) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    long[] sizes = {86400, 3600, 60, 1};
    String[] names = {"day", "hour", "minute", "second"};
    for (int i = 0; i < sizes.length; i++) {
      long count = seconds / sizes[i];
      seconds %= sizes[i];
      if (count > 0) {
        parts.add(count + " " + names[i] + (count == 1 ? "" : "s"));
      }
    }
    return String.join(" ", parts);
  }
}
