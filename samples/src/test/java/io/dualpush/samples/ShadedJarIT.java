package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shaded jar users run holds every runtime dependency of every library module, class for class:
 * a dependency the samples' own POM narrows to test scope (as {@code jackson-databind} once was,
 * which broke every Azure destination with {@code NoClassDefFoundError}) or a shade filter drops
 * fails the build here, naming the artifact. The lists come from each module's build
 * ({@code target/runtime-dependencies.txt}, written by the parent POM's dependency plugin).
 */
@DisplayName("the shaded samples jar")
class ShadedJarIT {
  @ParameterizedTest(name = "holds every runtime dependency of {0}")
  @ValueSource(strings = {"dualpush-core", "dualpush-azure"})
  void holdsEveryRuntimeDependency(String module) throws IOException {
    Path list = Path.of("..", module, "target", "runtime-dependencies.txt");
    assertThat(list).as("written by the build of " + module).exists();
    Set<String> shaded;
    try (JarFile jar = new JarFile(JarCli.JAR.toFile())) {
      shaded = jar.stream().map(JarEntry::getName).collect(Collectors.toSet());
    }
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String line : Files.readAllLines(list, StandardCharsets.UTF_8)) {
      Dependency d = Dependency.parse(line);
      if (d == null || d.optional() || d.coordinates().startsWith("io.dualpush:")) {
        continue;
      }
      checked++;
      Set<String> absent = new TreeSet<>();
      try (JarFile dep = new JarFile(d.jar().toFile())) {
        dep.stream().map(JarEntry::getName)
            .filter(n -> n.endsWith(".class") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class"))
            .filter(n -> !shaded.contains(n)).forEach(absent::add);
      }
      if (!absent.isEmpty()) {
        missing.add(d.coordinates() + " (" + absent.size() + " classes, e.g. " + absent.iterator().next() + ")");
      }
    }
    assertThat(checked).as("runtime dependencies of " + module).isPositive();
    assertThat(missing).as("runtime dependencies of " + module + " missing from " + JarCli.JAR).isEmpty();
  }

  /** One line of {@code dependency:list} with absolute artifact file names. */
  record Dependency(String coordinates, Path jar, boolean optional) {
    static Dependency parse(String line) {
      String t = line.trim();
      String[] parts = t.split(":", 6);
      if (!line.startsWith("   ") || parts.length < 6) {
        return null;
      }
      String rest = parts[5];
      int cut = rest.indexOf(" -- ");
      String path = cut >= 0 ? rest.substring(0, cut) : rest;
      boolean optional = path.endsWith(" (optional)");
      path = path.replace(" (optional)", "").trim();
      return new Dependency(parts[0] + ":" + parts[1] + ":" + parts[3], Path.of(path), optional);
    }
  }
}
