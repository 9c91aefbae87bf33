package io.dualpush.samples.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@link Chromium} takes the browser and the driver from when told; installing is left to the browser IT. */
@DisplayName("Chromium for browser tests")
class ChromiumTest {
  @TempDir
  Path dir;

  @AfterEach
  void clear() {
    System.clearProperty("dualpush.chromium");
    System.clearProperty("dualpush.chromedriver");
  }

  @Test
  @DisplayName("takes both executables from the system properties when both are set")
  void takesBothFromProperties() throws Exception {
    Path browser = executable("my-chromium");
    Path driver = executable("my-chromedriver");
    System.setProperty("dualpush.chromium", browser.toString());
    System.setProperty("dualpush.chromedriver", driver.toString());

    assertThat(Chromium.locateOrInstall()).isEqualTo(new Chromium(browser, driver));
  }

  @Test
  @DisplayName("refuses one property without the other, naming both")
  void refusesOnePropertyAlone() throws Exception {
    System.setProperty("dualpush.chromium", executable("my-chromium").toString());

    assertThatThrownBy(Chromium::locateOrInstall).isInstanceOf(IOException.class)
        .hasMessageContaining("dualpush.chromium").hasMessageContaining("dualpush.chromedriver");
  }

  @Test
  @DisplayName("refuses a property that names no executable file, naming the property")
  void refusesANonExecutable() throws Exception {
    Path notExecutable = Files.writeString(dir.resolve("plain.txt"), "not a program");
    System.setProperty("dualpush.chromium", executable("my-chromium").toString());
    System.setProperty("dualpush.chromedriver", notExecutable.toString());

    assertThatThrownBy(Chromium::locateOrInstall).isInstanceOf(IOException.class)
        .hasMessageContaining("dualpush.chromedriver names " + notExecutable);
  }

  private Path executable(String name) throws IOException {
    Path p = Files.writeString(dir.resolve(name), "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    return p;
  }
}
