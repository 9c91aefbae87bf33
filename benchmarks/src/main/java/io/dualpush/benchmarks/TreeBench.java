package io.dualpush.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The pipeline CLI on a large tree of tiny files, run the way users run it: {@code java -jar} on
 * the packaged samples jar as a child process with a fixed heap, for {@code push}, {@code status},
 * {@code verify} and an identical re-{@code push}. Measures wall time and the child's peak resident
 * memory (the kernel's high-water mark, {@code VmHWM}, read from {@code /proc} while it runs).
 * With a baseline jar the same steps run for it too, alternating jar by jar, each on fresh
 * destinations and log, so that both are measured on the same machine in the same run.
 */
final class TreeBench {
  record Step(String jar, String command, int exit, double seconds, long peakKib, String summary) {}

  private final Path dir;
  private final int files;
  private final String heap;

  TreeBench(Path dir, int files, String heap) {
    this.dir = dir;
    this.files = files;
    this.heap = heap;
  }

  List<Step> run(List<Path> jars, int rounds) throws IOException, InterruptedException {
    Path source = dir.resolve("source");
    generate(source);
    List<Step> steps = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      for (Path jar : jars) {
        Path work = dir.resolve("run");
        delete(work);
        Path primary = Files.createDirectories(work.resolve("primary"));
        Path secondary = Files.createDirectories(work.resolve("secondary"));
        Path log = work.resolve("log");
        List<String> dest = List.of("--destination", "primary=" + primary, "--destination", "secondary=" + secondary,
            "--log", log.toString());
        String name = jar.getFileName().toString();
        steps.add(step(jar, name, "push", concat(List.of("push", source.toString()), dest)));
        steps.add(step(jar, name, "status", List.of("status", "--log", log.toString())));
        steps.add(step(jar, name, "verify", concat(List.of("verify"), dest)));
        steps.add(step(jar, name, "re-push", concat(List.of("push", source.toString()), dest)));
        delete(work);
      }
    }
    return steps;
  }

  private Step step(Path jar, String name, String label, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-jar", jar.toString()));
    cmd.addAll(args);
    Path out = dir.resolve("child.out");
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    long peak = 0;
    Path status = Path.of("/proc", Long.toString(p.pid()), "status");
    while (p.isAlive()) {
      peak = Math.max(peak, highWaterMark(status));
      Thread.sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    int exit = p.waitFor();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    if (exit != 0) {
      System.out.println("  " + name + " " + label + " exited " + exit + ": "
          + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
    }
    // What the command says it covered ("100000 transaction(s), 1.1 MiB: 100000 verified, ..."), so
    // that a fast step is seen to have done the whole tree.
    String summary = lines.stream().filter(l -> l.contains(" transaction(s), ")).findFirst().orElse("");
    Step s = new Step(name, label, exit, seconds, peak, summary);
    System.out.printf(Locale.ROOT, "  %-28s %-8s exit %d  %7.1f s  peak RSS %,7d MiB  %s%n", name, label, exit, seconds,
        peak / 1024, summary);
    return s;
  }

  private static long highWaterMark(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the child exited between isAlive() and the read
    }
    return 0;
  }

  /** {@code files} tiny files, a thousand to a directory; kept between runs when already there. */
  private void generate(Path source) throws IOException {
    if (Files.exists(dir.resolve("generated"))
        && Files.readString(dir.resolve("generated")).equals(Integer.toString(files))) {
      return;
    }
    delete(source);
    for (int i = 0; i < files; i++) {
      Path d = source.resolve(String.format(Locale.ROOT, "d%03d", i / 1000));
      if (i % 1000 == 0) {
        Files.createDirectories(d);
      }
      Files.writeString(d.resolve(String.format(Locale.ROOT, "f%04d.txt", i % 1000)), "file " + i + "\n");
    }
    Files.writeString(dir.resolve("generated"), Integer.toString(files));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static void delete(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
