package io.dualpush.samples.browser;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import io.dualpush.testkit.DebianPackages;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium} and its {@code chromedriver} for browser tests, installed when missing,
 * the way the testkit's {@code RedisServerProcess} installs {@code redis-server}.
 *
 * <pre>{@code
 * Chromium chromium = Chromium.locateOrInstall();
 * ChromeDriver driver = chromium.newDriver();
 * }</pre>
 *
 * <p>Where they come from, first match wins: the system properties {@code dualpush.chromium} and
 * {@code dualpush.chromedriver} (paths of the executables, both or neither), {@code chromium} and
 * {@code chromedriver} on the {@code PATH} or in {@code /usr/bin}, or Debian's packages {@code
 * chromium chromium-driver} installed once with {@code apt-get update && apt-get install -y
 * --no-install-recommends} (as root, or through password-less {@code sudo}) under a file lock in
 * {@code ~/.cache/dualpush/}, so that concurrent builds wait for one install. When neither is
 * possible, the {@link IOException} says what to install.
 *
 * <p>{@link #newDriver()} hands Selenium both paths, so Selenium Manager has nothing to resolve and
 * downloads nothing. Immutable and thread-safe; each driver it creates is one browser, owned by
 * the caller.
 *
 * @param browser the chromium executable
 * @param driver the chromedriver executable
 */
public record Chromium(Path browser, Path driver) {
  private static final List<String> BROWSER_NAMES = List.of("chromium", "chromium-browser");
  private static final List<String> DRIVER_NAMES = List.of("chromedriver");

  /**
   * Both executables, installed first when missing.
   *
   * @return where chromium and chromedriver are
   * @throws IOException when they are missing and cannot be installed
   * @throws InterruptedException when interrupted while installing
   */
  public static Chromium locateOrInstall() throws IOException, InterruptedException {
    String browserProperty = System.getProperty("dualpush.chromium");
    String driverProperty = System.getProperty("dualpush.chromedriver");
    if (notBlank(browserProperty) || notBlank(driverProperty)) {
      if (!notBlank(browserProperty) || !notBlank(driverProperty)) {
        throw new IOException("set both -Ddualpush.chromium and -Ddualpush.chromedriver, or neither");
      }
      return new Chromium(executable(browserProperty, "dualpush.chromium"), executable(driverProperty, "dualpush.chromedriver"));
    }
    Optional<Chromium> found = find();
    if (found.isPresent()) {
      return found.get();
    }
    return installed();
  }

  /**
   * A headless browser: ChromeDriverService on {@link #driver()}, the binary {@link #browser()},
   * {@code --headless=new --no-sandbox --disable-background-networking --disable-dev-shm-usage}
   * and a fixed window size so that screenshots are alike from run to run.
   *
   * @return a new browser session; quit it when done
   */
  public ChromeDriver newDriver() {
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(driver.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(browser.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage",
        "--window-size=1280,1000");
    return new ChromeDriver(service, options);
  }

  /**
   * Installs (when missing) and prints both paths: {@code java ... io.dualpush.samples.browser.Chromium}.
   *
   * @param args ignored
   * @throws Exception when they cannot be installed
   */
  public static void main(String[] args) throws Exception {
    Chromium c = locateOrInstall();
    System.out.println("chromium " + c.browser() + "\nchromedriver " + c.driver());
  }

  private static Optional<Chromium> find() {
    Path b = findProgram(BROWSER_NAMES);
    Path d = findProgram(DRIVER_NAMES);
    return b != null && d != null ? Optional.of(new Chromium(b, d)) : Optional.empty();
  }

  private static Path findProgram(List<String> names) {
    String path = System.getenv("PATH");
    for (String name : names) {
      if (path != null) {
        for (String dir : path.split(File.pathSeparator)) {
          if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
            return Path.of(dir, name);
          }
        }
      }
      Path usrBin = Path.of("/usr/bin", name);
      if (Files.isExecutable(usrBin)) {
        return usrBin;
      }
    }
    return null;
  }

  /** Debian's packages, installed when missing (the testkit's DebianPackages: apt-get as root or with sudo). */
  private static Chromium installed() throws IOException, InterruptedException {
    DebianPackages.ensure("chromium and chromedriver", List.of("chromium", "chromium-driver"), "install Chromium and "
        + "the matching chromedriver some other way and put them on the PATH, or set -Ddualpush.chromium and "
        + "-Ddualpush.chromedriver", () -> find().isPresent());
    return find().orElseThrow();
  }

  private static Path executable(String value, String property) throws IOException {
    Path p = Path.of(value);
    if (!Files.isExecutable(p)) {
      throw new IOException(property + " names " + p + ", which is not an executable file");
    }
    return p;
  }

  private static boolean notBlank(String s) {
    return s != null && !s.isBlank();
  }
}
