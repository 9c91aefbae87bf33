package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** G8 at the CLI: bad usage or input exits 1 with one line naming the problem, and writes nothing. */
class BadInputTest {
  @TempDir
  Path tmp;
  Path source;
  Path primary;
  Path log;

  @BeforeEach
  void setUp() throws IOException {
    source = Files.createDirectories(tmp.resolve("source"));
    primary = Files.createDirectories(tmp.resolve("primary"));
    log = tmp.resolve("log");
    Files.writeString(source.resolve("a.csv"), "a");
  }

  private void assertRefused(Cli r, String... mentions) throws IOException {
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(1);
    assertThat(r.err().lines().filter(l -> l.startsWith("dualpush: "))).hasSize(1);
    assertThat(r.err()).contains(mentions);
    assertThat(r.out()).isEmpty();
    try (Stream<Path> s = Files.list(primary)) {
      assertThat(s).as("nothing written at the destination").isEmpty();
    }
    assertThat(log).as("no log created").doesNotExist();
  }

  @Test
  @DisplayName("a missing destination directory is named, and nothing is written anywhere")
  void missingDestination() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--destination",
        "secondary=" + tmp.resolve("nope"), "--log", log.toString()), "--destination secondary", "does not exist");
  }

  @Test
  void missingSource() throws IOException {
    assertRefused(Cli.run("push", tmp.resolve("nosuch").toString(), "--destination", "primary=" + primary,
        "--log", log.toString()), "SOURCE_DIR", "nosuch");
  }

  @Test
  void missingLogOption() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary), "--log");
  }

  @Test
  void malformedDestination() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary", "--log", log.toString()),
        "--destination", "NAME=DIR");
  }

  @Test
  void badDestinationName() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "pri mary=" + primary, "--log", log.toString()),
        "--destination pri mary");
  }

  @Test
  void sameDirectoryTwice() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--destination",
        "secondary=" + primary, "--log", log.toString()), "--destination secondary", "same directory");
  }

  @Test
  void optionalUnknown() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--optional", "edge",
        "--log", log.toString()), "--optional edge");
  }

  @Test
  void nothingRequired() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--optional", "primary",
        "--log", log.toString()), "--optional", "required");
  }

  @Test
  void unknownOptionAndCommand() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--log", log.toString(),
        "--frobnicate"), "--frobnicate");
    assertRefused(Cli.run("frobnicate"), "frobnicate");
    assertRefused(Cli.run(), "no command");
  }

  @Test
  void badParallel() throws IOException {
    assertRefused(Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--log", log.toString(),
        "--parallel", "lots"), "--parallel");
  }

  @Test
  @DisplayName("a file whose relative path is too long to be a key is skipped by name, the rest pushed, exit 2")
  void keyTooLong() throws IOException {
    Path deep = source;
    for (int i = 0; i < 5; i++) {
      deep = deep.resolve("d".repeat(220));
    }
    Files.createDirectories(deep);
    Files.writeString(deep.resolve("x.csv"), "x");
    Cli r = Cli.run("push", source.toString(), "--destination", "primary=" + primary, "--log", log.toString(),
        "--json");
    assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
    assertThat(r.json().get("skipped").asInt()).isEqualTo(1);
    assertThat(r.json().get("skippedEntries").get(0).toString()).contains("x.csv", "1024");
    assertThat(r.json().get("verified").asInt()).isEqualTo(1);
    assertThat(primary.resolve("a.csv")).hasContent("a");
  }

  @Test
  @DisplayName("status, repair and verify need an existing log")
  void noLog() throws IOException {
    assertRefused(Cli.run("status", "--log", log.toString()), "--log", "no transaction log");
    assertRefused(Cli.run("repair", "--destination", "primary=" + primary, "--log", log.toString()), "--log");
    assertRefused(Cli.run("verify", "--destination", "primary=" + primary, "--log", log.toString()), "--log");
  }

  @Test
  @DisplayName("repair refuses to run without every destination the log writes to")
  void repairNeedsEveryDestination() throws IOException {
    Path secondary = Files.createDirectories(tmp.resolve("secondary"));
    Path other = Files.createDirectories(tmp.resolve("other"));
    Cli pushed = Cli.run("push", source.toString(), "--destination", "primary=" + other, "--destination",
        "secondary=" + secondary, "--log", log.toString());
    assertThat(pushed.code()).isZero();

    Cli r = Cli.run("repair", "--destination", "primary=" + other, "--log", log.toString());

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("secondary");
  }
}
