package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.samples.ShellScripts.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code samples/bin/dualpush} is a POSIX sh script: checked as one (what it runs is LauncherIT's). */
@DisplayName("the launcher script")
class LauncherScriptTest {
  private static final Path SCRIPT = Path.of("bin", "dualpush");

  @Test
  @DisplayName("is a POSIX sh script that parses with sh -n")
  void syntax() throws Exception {
    assertThat(Files.readAllLines(SCRIPT).get(0)).isEqualTo("#!/bin/sh");
    Result r = ShellScripts.run(List.of("sh", "-n", SCRIPT.toString()));
    assertThat(r.code()).as(r.output()).isZero();
  }

  @Test
  @DisplayName("has zero shellcheck findings for POSIX sh (no bashisms such as test's -nt)")
  void shellcheck() throws Exception {
    Result r = ShellScripts.shellcheck(SCRIPT);
    assertThat(r.output()).as("shellcheck findings").isEmpty();
    assertThat(r.code()).isZero();
  }
}
