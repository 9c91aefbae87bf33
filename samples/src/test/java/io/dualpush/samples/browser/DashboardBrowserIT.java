package io.dualpush.samples.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard as its users see it: the packaged jar's {@code dashboard} command in a child JVM,
 * its page in headless Chromium (Debian's {@code chromium} and {@code chromedriver}, installed by
 * {@link Chromium} when missing). The secondary region is taken down and brought back with the
 * page's own buttons; what the page shows is checked against the server's {@code /api/regions}.
 *
 * <p>A screenshot taken while the secondary is down goes to {@code target/dashboard.png}; with
 * {@code -Ddashboard.screenshot.docs=true} also to the repository's {@code docs/dashboard.png}
 * (opt-in, so that an ordinary build does not rewrite a tracked file).
 */
@DisplayName("the dashboard page in headless Chromium")
class DashboardBrowserIT {
  private static final Duration UI_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(90);
  private static final String SECONDARY = "[data-region=\"secondary\"]";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private DashboardProcess dashboard;
  private ChromeDriver browser;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    Chromium chromium = Chromium.locateOrInstall();
    dashboard = DashboardProcess.start(dir.resolve("dashboard"));
    browser = chromium.newDriver();
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (dashboard != null) {
        dashboard.close();
      }
    }
  }

  @Test
  @DisplayName("shows the secondary down with a growing backlog after 'Take secondary down', and healthy with the backlog repaired after 'Bring secondary back'")
  void takesSecondaryDownAndBringsItBack() throws Exception {
    browser.get(dashboard.base().toString());
    WebDriverWait wait = waitFor(UI_TIMEOUT);
    wait.withMessage(() -> "the page's live connection; dashboard stderr:\n" + dashboard.stderr())
        .until(d -> d.findElement(By.id("connection")).getText().trim().toLowerCase(Locale.ROOT).contains("live"));
    wait.withMessage("the secondary's card, UP").until(d -> "UP".equals(status(d.findElement(By.cssSelector(SECONDARY)))));

    WebElement token = browser.findElement(By.id("token"));
    token.clear();
    token.sendKeys(dashboard.token(), Keys.TAB);

    // Timed inside the page, so that WebDriver's polling does not add to the figure.
    ((JavascriptExecutor) browser).executeScript("""
        const probe = window.__dualpushProbe = {};
        document.addEventListener('click', e => {
          if (e.target.closest('button[data-action="down"][data-destination="secondary"]')) probe.clickAt = performance.now();
        }, true);
        const seen = () => {
          const card = document.querySelector('[data-region="secondary"]');
          if (probe.clickAt !== undefined && probe.downAt === undefined && card && card.getAttribute('data-status') === 'DOWN') {
            probe.downAt = performance.now();
          }
        };
        new MutationObserver(seen).observe(document.getElementById('regions'), {subtree: true, attributes: true, childList: true});
        """);
    long clicked = System.nanoTime();
    browser.findElement(By.cssSelector("button[data-action=\"down\"][data-destination=\"secondary\"]")).click();
    waitFor(UI_TIMEOUT).withMessage(() -> "the secondary's card DOWN; #message: " + message() + "; dashboard stderr:\n"
        + dashboard.stderr()).until(d -> "DOWN".equals(status(d.findElement(By.cssSelector(SECONDARY)))));
    long seenByWebDriver = System.nanoTime();
    Object inPage = ((JavascriptExecutor) browser).executeScript(
        "const p = window.__dualpushProbe; return p.downAt === undefined ? null : p.downAt - p.clickAt;");
    System.out.printf(Locale.ROOT, "dashboard: 'Take secondary down' click to the card showing DOWN: %s ms measured in the "
        + "page (%.1f ms as WebDriver saw it, polling every 10 ms)%n",
        inPage == null ? "n/a" : String.format(Locale.ROOT, "%.1f", ((Number) inPage).doubleValue()),
        (seenByWebDriver - clicked) / 1e6);
    assertThat(region("secondary").path("status").asText()).as("the server's view of the secondary").isEqualTo("DOWN");

    waitFor(UI_TIMEOUT).withMessage("the secondary's backlog above 0 while it is down")
        .until(d -> backlog(d.findElement(By.cssSelector(SECONDARY))) > 0);
    await("the server's backlog for the secondary").atMost(UI_TIMEOUT)
        .until(() -> region("secondary").path("lag").path("backlogCopies").asLong() > 0);
    // A few more pending copies, so that the screenshot's chart shows the backlog climbing.
    waitFor(UI_TIMEOUT).withMessage("the secondary's backlog at 5 or more")
        .until(d -> backlog(d.findElement(By.cssSelector(SECONDARY))) >= 5);
    assertThat(status(browser.findElement(By.cssSelector(SECONDARY)))).isEqualTo("DOWN");
    screenshot();

    browser.findElement(By.cssSelector("button[data-action=\"up\"][data-destination=\"secondary\"]")).click();
    waitFor(RECOVERY_TIMEOUT).withMessage(() -> "the secondary's card UP with an empty backlog; #message: " + message()
        + "; dashboard stderr:\n" + dashboard.stderr()).until(d -> {
          WebElement card = d.findElement(By.cssSelector(SECONDARY));
          return "UP".equals(status(card)) && backlog(card) == 0;
        });
    await("the server's view: secondary UP, nothing pending").atMost(RECOVERY_TIMEOUT).untilAsserted(() -> {
      JsonNode secondary = region("secondary");
      assertThat(secondary.path("status").asText()).isEqualTo("UP");
      assertThat(secondary.path("lag").path("backlogCopies").asLong()).isZero();
    });

    assertThat(dashboard.stop(Duration.ofSeconds(30))).as("the dashboard's exit code after stdin closed; stderr:\n%s",
        dashboard.stderr()).isZero();
  }

  private WebDriverWait waitFor(Duration timeout) {
    WebDriverWait wait = new WebDriverWait(browser, timeout, Duration.ofMillis(10));
    wait.ignoring(org.openqa.selenium.NoSuchElementException.class);
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait;
  }

  private static String status(WebElement card) {
    return card.getAttribute("data-status");
  }

  /** The card's backlog copy count; -1 while the element holds no digits yet. */
  private static long backlog(WebElement card) {
    String text = card.findElement(By.cssSelector(".lag-backlog")).getText().replaceAll("\\D", "");
    return text.isEmpty() ? -1 : Long.parseLong(text);
  }

  private String message() {
    try {
      return browser.findElement(By.id("message")).getText();
    } catch (RuntimeException e) {
      return "(none)";
    }
  }

  private JsonNode region(String id) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(dashboard.base().resolve("api/regions"))
        .header("Authorization", "Bearer " + dashboard.token()).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET /api/regions: %s", r.body()).isEqualTo(200);
    for (JsonNode region : JSON.readTree(r.body()).path("regions")) {
      if (id.equals(region.path("id").asText())) {
        return region;
      }
    }
    throw new AssertionError("no region '" + id + "' in " + r.body());
  }

  private void screenshot() throws IOException {
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Path target = Path.of("target", "dashboard.png");
    Files.createDirectories(target.toAbsolutePath().getParent());
    Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    if (Boolean.getBoolean("dashboard.screenshot.docs")) {
      Path docs = Path.of("..", "docs", "dashboard.png");
      Files.copy(shot, docs, StandardCopyOption.REPLACE_EXISTING);
      System.out.println("dashboard: screenshot written to " + docs.normalize() + " and " + target);
    } else {
      System.out.println("dashboard: screenshot written to " + target);
    }
    Files.deleteIfExists(shot);
  }
}
