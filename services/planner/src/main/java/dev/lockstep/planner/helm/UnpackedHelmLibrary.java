package dev.lockstep.planner.helm;

import com.marcnuri.helm.jni.HelmLib;
import com.marcnuri.helm.jni.NativeLibrary;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Helm's native library for helm-java, unpacked once into a directory the operator names ({@value
 * #DIRECTORY_PROPERTY}) and loaded from there by every process that renders charts, instead of
 * unpacked again into a new temporary directory by each (helm-java's own way: 100 MB inflated and
 * written, about half a second of a core, at every start of the planner's Helm process).
 *
 * <p>It is a helm-java {@link NativeLibrary} service, found before the platform's own because the
 * planner's classes come first on its class path; it delegates to the platform's for the binary's
 * name and contents. Without the property, or when the directory cannot be used, the library is
 * loaded as helm-java loads it. The unpacked file is named after the binary's size and checksum in
 * its jar, so another helm-java version gets a file of its own; it is written under a temporary
 * name and moved into place, so a process that finds it finds it whole.
 */
public final class UnpackedHelmLibrary implements NativeLibrary {
  /** System property: the directory the library is unpacked into and loaded from. */
  public static final String DIRECTORY_PROPERTY = "lockstep.helm.library-directory";

  private static final Logger LOG = LoggerFactory.getLogger(UnpackedHelmLibrary.class);

  private final NativeLibrary platform;

  /** The service helm-java loads; finds the platform's library beside it. */
  public UnpackedHelmLibrary() {
    // the providers' types only: instantiating this one again would recurse
    NativeLibrary found =
        ServiceLoader.load(NativeLibrary.class, UnpackedHelmLibrary.class.getClassLoader()).stream()
            .filter(provider -> provider.type() != UnpackedHelmLibrary.class)
            .findFirst()
            .map(ServiceLoader.Provider::get)
            .orElse(null);
    if (found == null) {
      throw new IllegalStateException("no helm-java native library for this platform");
    }
    this.platform = found;
  }

  @Override
  public String getBinaryName() {
    return platform.getBinaryName();
  }

  @Override
  public HelmLib load() {
    String directory = System.getProperty(DIRECTORY_PROPERTY, "");
    if (directory.isBlank()) {
      return platform.load();
    }
    Path unpacked;
    try {
      unpacked = unpacked(Path.of(directory));
    } catch (IOException | RuntimeException e) {
      LOG.warn("Helm's library cannot be kept in {}, unpacking it as usual: {}", directory, e);
      return platform.load();
    }
    HelmLib helm = Native.load(unpacked.toString(), HelmLib.class);
    // as helm-java does: the repository servers a chart test may have started end with the JVM
    Runtime.getRuntime().addShutdownHook(new Thread(helm::RepoServerStopAll));
    return helm;
  }

  /** The library's file in the directory, unpacked there first unless an earlier process did. */
  Path unpacked(Path directory) throws IOException {
    String binary = getBinaryName();
    URL resource = platform.getClass().getResource("/" + binary);
    if (resource == null) {
      throw new IOException("no " + binary + " beside " + platform.getClass().getName());
    }
    URLConnection connection = resource.openConnection();
    String version =
        connection instanceof JarURLConnection jar
            ? Long.toHexString(jar.getJarEntry().getCrc()) + "-" + jar.getJarEntry().getSize()
            : Long.toString(connection.getContentLengthLong());
    int dot = binary.lastIndexOf('.');
    String name =
        dot < 0
            ? binary + "-" + version
            : binary.substring(0, dot) + "-" + version + binary.substring(dot);
    Path target = directory.resolve(name);
    if (Files.isRegularFile(target)) {
      return target;
    }
    Files.createDirectories(directory);
    Path partial = Files.createTempFile(directory, name, ".partial");
    try {
      try (InputStream in = connection.getInputStream()) {
        Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
      }
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("unpacked Helm's library into {}", target);
      } catch (FileAlreadyExistsException another) {
        // another process moved its copy into place first: the same bytes
      }
    } finally {
      Files.deleteIfExists(partial);
    }
    return target;
  }
}
