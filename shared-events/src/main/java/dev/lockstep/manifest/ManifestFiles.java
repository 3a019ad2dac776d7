package dev.lockstep.manifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where a release's {@code manifests: { file: path }} references are read from. The reader of a
 * release embeds what it reads, so that the release (and every plan made from it) holds the objects
 * themselves.
 */
@FunctionalInterface
public interface ManifestFiles {
  /** No file is read: a file reference is an error. */
  ManifestFiles NONE =
      path -> {
        throw new IOException(
            "file references are not read here; embed the objects in the release, or send it to"
                + " the planner, which reads them from its manifests directory");
      };

  /**
   * The text of the file a release names.
   *
   * @throws IOException with a message for people when it cannot be read
   */
  String read(String path) throws IOException;

  /**
   * Files under a directory. A path is taken relative to it, and one that leads outside it
   * (absolute, or through {@code ..}) is refused, so that a release cannot make its reader open an
   * arbitrary file.
   */
  static ManifestFiles under(Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    return path -> {
      Path file = root.resolve(path).normalize();
      if (Path.of(path).isAbsolute() || !file.startsWith(root)) {
        throw new IOException("'" + path + "' is outside the manifests directory " + root);
      }
      try {
        return Files.readString(file);
      } catch (NoSuchFileException e) {
        throw new IOException("no file '" + path + "' in the manifests directory " + root, e);
      }
    };
  }
}
