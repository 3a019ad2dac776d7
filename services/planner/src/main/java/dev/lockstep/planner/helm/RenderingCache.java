package dev.lockstep.planner.helm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lockstep.manifest.HelmChart;
import dev.lockstep.planner.bundles.ChartRenderer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Remembers the last charts rendered, by a digest of everything Helm renders from: the files of the
 * chart (every file of its directory, or the packaged {@code .tgz}), its values, namespace and
 * release name. A chart rendered again with the same inputs (the same release planned on the same
 * platform again, a preview then the request, the catalogue's available upgrades) is answered
 * without Helm, so Helm's process ({@link ChildProcessChartRenderer}) need not be started for it; a
 * chart whose files changed is rendered again.
 *
 * <p>What it changes: a template that renders differently each time from the same inputs (Helm's
 * {@code now}, {@code randAlphaNum}, {@code uuidv4}) gives the same objects while its rendering is
 * remembered. Failed renders are not remembered.
 */
public final class RenderingCache implements ChartRenderer {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final ChartRenderer helm;
  private final Path root;
  private final Map<String, Rendering> renderings;

  /**
   * Renders with {@code helm} what it does not remember, of the charts under {@code
   * chartsDirectory}; remembers up to {@code size} renderings, the least recently used forgotten
   * first.
   */
  public RenderingCache(ChartRenderer helm, Path chartsDirectory, int size) {
    this.helm = helm;
    this.root = chartsDirectory.toAbsolutePath().normalize();
    this.renderings =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Rendering> eldest) {
            return size() > size;
          }
        };
  }

  @Override
  public synchronized Rendering render(HelmChart chart, String release) {
    Path path = root.resolve(chart.chart()).normalize();
    if (Path.of(chart.chart()).isAbsolute() || !path.startsWith(root) || !Files.exists(path)) {
      // the renderer says why it does not render
      return helm.render(chart, release);
    }
    String key;
    try {
      key = digest(path, chart, release);
    } catch (IOException | UncheckedIOException e) {
      return helm.render(chart, release);
    }
    Rendering known = renderings.get(key);
    if (known != null) {
      return known;
    }
    Rendering rendering = helm.render(chart, release);
    if (rendering.ok()) {
      renderings.put(key, rendering);
    }
    return rendering;
  }

  private static String digest(Path chart, HelmChart request, String release) throws IOException {
    MessageDigest digest = sha256();
    List<Path> files;
    if (Files.isDirectory(chart)) {
      try (Stream<Path> walk = Files.walk(chart)) {
        files = walk.filter(Files::isRegularFile).sorted().toList();
      }
    } else {
      files = List.of(chart);
    }
    for (Path file : files) {
      digest.update(text(chart.relativize(file).toString()));
      byte[] content = Files.readAllBytes(file);
      digest.update(text(Integer.toString(content.length)));
      digest.update(content);
    }
    digest.update(text(values(request.values())));
    digest.update(text(String.valueOf(request.namespace())));
    digest.update(text(String.valueOf(request.version())));
    digest.update(text(release));
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String values(Map<String, Object> values) throws JsonProcessingException {
    return JSON.writeValueAsString(values);
  }

  /** The text and a separator, so that no two sequences of texts digest alike. */
  private static byte[] text(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    byte[] framed = new byte[bytes.length + 5];
    framed[0] = (byte) (bytes.length >>> 24);
    framed[1] = (byte) (bytes.length >>> 16);
    framed[2] = (byte) (bytes.length >>> 8);
    framed[3] = (byte) bytes.length;
    System.arraycopy(bytes, 0, framed, 4, bytes.length);
    framed[bytes.length + 4] = ';';
    return framed;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
