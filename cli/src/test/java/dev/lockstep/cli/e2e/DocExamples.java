package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * The Java examples of a documentation page, compiled as a reader would paste them (each fenced
 * {@code java} block is one public class) against the test class path, and run.
 */
final class DocExamples {
  private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

  private DocExamples() {}

  /** Compiles every java block of a page; the class loader that holds them. */
  static ClassLoader compile(Path page, Path out) throws Exception {
    Files.createDirectories(out);
    List<String> sources = new ArrayList<>();
    Matcher block = BLOCK.matcher(Files.readString(page));
    while (block.find()) {
      String code = block.group(1);
      Matcher name = CLASS.matcher(code);
      assertThat(name.find()).as("a java block of " + page + " declares a public class").isTrue();
      Path source = out.resolve(name.group(1) + ".java");
      Files.writeString(source, code);
      sources.add(source.toString());
    }
    assertThat(sources).as("java blocks in " + page).isNotEmpty();
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> args = new ArrayList<>();
    args.addAll(List.of("-classpath", System.getProperty("java.class.path"), "-d", out.toString()));
    args.addAll(sources);
    StringWriter diagnostics = new StringWriter();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = javac.run(null, null, err, args.toArray(String[]::new));
    assertThat(code)
        .as(
            "the examples of "
                + page
                + " compile:\n"
                + err.toString(StandardCharsets.UTF_8)
                + diagnostics)
        .isZero();
    return new URLClassLoader(new URL[] {out.toUri().toURL()}, DocExamples.class.getClassLoader());
  }

  /** Runs an example's main and returns what it printed. */
  static synchronized String run(ClassLoader loader, String className, String... args)
      throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw new AssertionError(className + " failed: " + e.getCause(), e.getCause());
    } finally {
      System.setOut(original);
    }
    return printed.toString(StandardCharsets.UTF_8);
  }
}
