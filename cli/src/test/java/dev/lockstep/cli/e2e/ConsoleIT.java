package dev.lockstep.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lockstep.cli.local.LocalMode;
import dev.lockstep.cli.local.SamplePlatform;
import dev.lockstep.cli.local.ServiceProcess;
import dev.lockstep.cli.local.Tracing;
import dev.lockstep.testkit.Eventually;
import dev.lockstep.testkit.kafka.KafkaBroker;
import dev.lockstep.testkit.postgres.Postgres;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real headless Chromium (Debian's {@code chromium} and {@code
 * chromium-driver}) against one local mode running the failing-gate scenario: signed in through the
 * one-time URL the local mode prints, the platforms page shows the sample; the upgrade page, opened
 * as the upgrade starts, follows it live (its waves change state and the page is never reloaded) to
 * the failed gate with its measurements and the rollback beside it; the post-mortem opens with its
 * timeline and links the upgrade's trace in the trace viewer the local mode started (as {@code
 * lockstep local --tracing}), which holds spans of all five services and shows the trace. Then, on
 * the same platform, a release pasted with mistakes shows every one with its path; the sample
 * release with an approval gate, pasted, previewed and submitted, waits for the approval, which the
 * console gives; the upgrade completes. Screenshots go to {@code target/console-screenshots/}, one
 * of them at a phone's width.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {
  private static final Path CHECKOUT =
      SamplePlatform.find(Path.of(""))
          .orElseThrow(() -> new IllegalStateException("no docs/examples/sample-platform above"))
          .getParent()
          .getParent()
          .getParent();
  private static final Path SCREENSHOTS = CHECKOUT.resolve("cli/target/console-screenshots");

  private static final StringWriter OUTPUT = new StringWriter();
  private static LocalMode local;
  private static ChromeDriver browser;
  private static Path directory;

  @BeforeAll
  static void start() throws Exception {
    String platform = "dataos-console-" + UUID.randomUUID().toString().substring(0, 8);
    directory = CHECKOUT.resolve("cli/target/e2e").resolve(platform);
    local =
        LocalMode.start(
            new LocalMode.Options(
                    CHECKOUT,
                    directory,
                    "failing-gate",
                    platform,
                    false,
                    new LocalMode.Infrastructure(KafkaBroker.shared(), Postgres.shared()),
                    null,
                    // supervised, as `lockstep local` runs: a console killed is started again
                    true,
                    1,
                    1)
                // as `lockstep local --tracing`: a Zipkin server the post-mortem links
                .withTracing(Tracing.viewer()),
            new PrintWriter(OUTPUT, true));
    Files.createDirectories(SCREENSHOTS);
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1800",
        "--user-data-dir=" + Files.createTempDirectory("console-chromium"));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (local != null) {
      local.close();
    }
    if (directory != null && Files.isDirectory(directory)) {
      Files.writeString(directory.resolve("local-mode.out"), OUTPUT.toString());
    }
  }

  @Test
  @Order(1)
  void theUpgradePageFollowsTheFailingGateLiveToTheRollbackAndThePostMortem() throws Exception {
    // the printed sign-in URL, with a one-time code and no token in it
    Matcher printed =
        Pattern.compile("web console\\s+(http://\\S+/signin/(\\S+))").matcher(OUTPUT.toString());
    assertThat(printed.find()).as("the local mode prints the console's sign-in URL").isTrue();
    String signIn = printed.group(1);
    assertThat(signIn).doesNotContain(local.token());
    String console = signIn.substring(0, signIn.indexOf("/signin/"));

    browser.get(signIn);
    assertThat(browser.getCurrentUrl()).endsWith("/platforms");
    String platform = local.platform();
    local.awaitInventory();
    browser.navigate().refresh();
    WebElement section = browser.findElement(By.id("platform-" + platform));
    assertThat(section.getText())
        .contains("Release 1.0")
        .contains("workbench 1.4.0")
        .contains("user-space")
        .contains("Available upgrades");
    screenshot("platforms");

    // the code was for one sign-in: used again it shows the sign-in page
    browser.manage().deleteAllCookies();
    browser.get(signIn);
    assertThat(browser.getPageSource()).contains("used already or has expired");
    browser.get(console + "/platforms");
    assertThat(browser.getCurrentUrl()).endsWith("/signin");
    browser.findElement(By.id("token")).sendKeys(local.token());
    browser.findElement(By.cssSelector("form[action='/signin'] button")).click();
    new WebDriverWait(browser, Duration.ofSeconds(10))
        .withMessage(() -> browser.getPageSource())
        .until(b -> b.getCurrentUrl().endsWith("/platforms"));

    String upgradeId = local.submit();
    browser.get(console + "/upgrades/" + upgradeId);
    JavascriptExecutor js = browser;
    js.executeScript("window.lockstepNoReload = true;");
    // waves as the page shows them, sampled as the upgrade runs
    List<String> samples = new ArrayList<>();
    String waves =
        "return Array.from(document.querySelectorAll('.plan-upgrade .wave'))"
            + ".map(w => w.className).join(',')";
    awaitPage(
        "rollback-planned",
        b -> {
          samples.add(String.valueOf(js.executeScript(waves)));
          return !b.findElements(By.cssSelector(".plan-rollback")).isEmpty()
              && !b.findElements(By.cssSelector(".failure")).isEmpty();
        });
    // the update that brought the rollback may have come after the last sample (one swap can
    // carry the failed wave, the failure and the rollback's plan together)
    samples.add(String.valueOf(js.executeScript(waves)));
    screenshot("upgrade-rolling-back");
    awaitPage(
        "rolled-back",
        b ->
            b.findElement(By.cssSelector(".summary .state")).getText().equals("rolled-back")
                && b.findElements(By.cssSelector(".plan-rollback .wave")).stream()
                    .allMatch(w -> w.getAttribute("class").contains("wave-done")));
    assertThat(js.executeScript("return window.lockstepNoReload === true"))
        .as("the page followed the upgrade without a reload")
        .isEqualTo(true);
    assertThat(samples)
        .as("waves changed state while the page was open")
        .anySatisfy(s -> assertThat(s).contains("wave-pending").doesNotContain("wave-failed"))
        .anySatisfy(s -> assertThat(s).contains("wave-done"))
        .anySatisfy(s -> assertThat(s).contains("wave-failed"));

    // the live part may be swapped while it is read: each check waits (stale reads retried)
    awaitPage(
        "failure-shown",
        b -> b.findElement(By.cssSelector(".failure")).getText().contains("workbench-health"));
    String failedGate = ".plan-upgrade .gate[data-gate='workbench-health']";
    awaitPage(
        "failed-gate-measured",
        b -> {
          WebElement gate = b.findElement(By.cssSelector(failedGate));
          return gate.getText().contains("failed")
              && gate.findElements(By.cssSelector(".measurements tbody tr")).size() > 1
              && !gate.findElements(By.cssSelector("svg.chart rect")).isEmpty();
        });
    java.util.concurrent.atomic.AtomicReference<String> rollbackId =
        new java.util.concurrent.atomic.AtomicReference<>();
    awaitPage(
        "rollback-linked",
        b -> {
          rollbackId.set(b.findElement(By.cssSelector(".plan-rollback h2 a")).getText());
          return b.findElement(By.cssSelector(".summary"))
              .getText()
              .contains("Rolled back by " + rollbackId.get());
        });
    // times in the viewer's zone, UTC on hover
    awaitPage(
        "times-localised",
        b -> b.findElement(By.cssSelector("time[datetime]")).getAttribute("title").contains("UTC"));
    Path upgradeShot = screenshot("upgrade");
    js.executeScript("document.querySelector(arguments[0]).scrollIntoView()", failedGate);
    screenshot("upgrade-failed-gate");

    // the rollback's own page links back to the upgrade it undoes
    browser.get(console + "/upgrades/" + rollbackId.get());
    awaitPage(
        "rollback-links-back",
        b ->
            b.findElement(By.cssSelector(".summary"))
                .getText()
                .contains("This rollback undoes " + upgradeId));

    browser.get(console + "/upgrades/" + upgradeId);
    click("postmortem-link", By.linkText("Post-mortem and timeline"));
    awaitPage(
        "postmortem", b -> !b.findElements(By.cssSelector("table.timeline tbody tr")).isEmpty());
    assertThat(browser.findElements(By.cssSelector("table.timeline tbody tr")))
        .hasSizeGreaterThan(3);
    WebElement frame = browser.findElement(By.cssSelector("iframe.postmortem"));
    assertThat(frame.getAttribute("sandbox"))
        .as("no scripts in the report")
        .doesNotContain("allow-scripts");
    browser.switchTo().frame(frame);
    assertThat(browser.findElement(By.tagName("body")).getText()).contains(upgradeId);
    // the post-mortem links the upgrade's trace in the viewer the local mode started
    String traceUrl = local.tracing().traceUrl(local.upgrade(upgradeId).path("traceId").asText());
    assertThat(traceUrl).as("the recorder names the upgrade's trace").isNotNull();
    assertThat(browser.findElements(By.cssSelector("a[href='" + traceUrl + "']")))
        .as("the post-mortem links %s", traceUrl)
        .isNotEmpty();
    browser.switchTo().defaultContent();
    screenshot("postmortem-timeline");
    js.executeScript("arguments[0].scrollIntoView()", frame);
    // two animation frames: the report is painted before the picture is taken
    browser.executeAsyncScript(
        "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));");
    Path postmortemShot = screenshot("postmortem");

    assertThat(Files.size(upgradeShot)).isGreaterThan(10_000);
    assertThat(Files.size(postmortemShot)).isGreaterThan(10_000);
    assertTheViewerShowsTheTraceOfTheFiveServices(traceUrl);
    assertThat(Files.readString(local.services().instances().get("console").log()))
        .doesNotContain(local.token());
  }

  @Test
  @Order(2)
  void aBadReleaseShowsEveryErrorAndAnApprovalIsGivenInTheConsole() throws Exception {
    Matcher printed =
        Pattern.compile("web console\\s+(http://\\S+)/signin/").matcher(OUTPUT.toString());
    assertThat(printed.find()).isTrue();
    String console = printed.group(1);
    browser.get(console + "/platforms");
    if (browser.getCurrentUrl().endsWith("/signin")) {
      browser.findElement(By.id("token")).sendKeys(local.token());
      browser.findElement(By.cssSelector("form[action='/signin'] button")).click();
    }
    String platform = local.platform();
    // the first test's rollback has ended: the platform runs its first release again, and the
    // workbench's health gate passes from now on
    local.failGate(platform, false);
    awaitPage(
        "platform-back-at-1.0",
        b -> {
          b.navigate().refresh();
          String text = b.findElement(By.id("platform-" + platform)).getText();
          return text.contains("workbench 1.4.0") && text.contains("Active upgrade\nNone.");
        });

    // a release with two mistakes: every one listed with its path, the text kept to correct
    browser.get(console + "/submit?platform=" + platform);
    String release = local.release();
    String bad =
        release
            .replaceFirst("version: 15\\.4\\.0", "version: fifteen")
            .replaceFirst(
                "layer: cloud-kernel\n      version: 1\\.5\\.0",
                "layer: nowhere\n      version: 1.5.0");
    assertThat(bad).isNotEqualTo(release);
    paste(bad);
    browser.findElement(By.id("preview")).click();
    awaitPage("bad-release-errors", b -> !b.findElements(By.cssSelector(".errors li")).isEmpty());
    List<String> errors =
        browser.findElements(By.cssSelector(".errors li")).stream()
            .map(WebElement::getText)
            .toList();
    assertThat(errors).as("every mistake, each with its path").hasSizeGreaterThanOrEqualTo(2);
    assertThat(String.join("\n", errors))
        .contains("spec.components[0].version")
        .contains("spec.components[1].layer");
    assertThat(browser.findElement(By.id("release")).getAttribute("value"))
        .as("the pasted text is kept")
        .contains("version: fifteen");
    screenshot("submit-rejected");

    // the sample release with metis's approval gate: previewed, then submitted
    String withApproval =
        local
            .sample(platform)
            .variant("scenario-approval.yaml")
            .release(local.endpoints().baseUrl());
    paste(withApproval);
    browser.findElement(By.id("preview")).click();
    awaitPage("preview", b -> !b.findElements(By.id("submit")).isEmpty());
    assertThat(browser.findElement(By.tagName("main")).getText()).contains("metis");
    screenshot("submit-preview");
    browser.findElement(By.id("submit")).click();
    awaitPage("submitted", b -> b.getCurrentUrl().matches(".*/upgrades/[^/?]+$"));
    String upgradeId = browser.getCurrentUrl().replaceAll(".*/upgrades/", "");

    // the upgrade waits for the approval; the console gives it
    awaitPage("approval-pending", b -> !b.findElements(By.partialLinkText("Approve")).isEmpty());
    screenshot("approval-pending");
    click("approve", By.partialLinkText("Approve"));
    awaitPage("approve-confirmation", b -> !b.findElements(By.id("confirm")).isEmpty());
    browser.findElement(By.id("confirm")).click();
    awaitPage(
        "approved",
        b -> b.findElement(By.tagName("main")).getText().contains("accepted the approval"));
    browser.get(console + "/upgrades/" + upgradeId);
    awaitPage(
        "completed",
        b -> b.findElement(By.cssSelector(".summary .state")).getText().equals("completed"));
    assertThat(local.upgrade(upgradeId).path("status").asText()).isEqualTo("completed");

    // the keyboard alone: the first Tab reaches "Skip to content", the next ones the navigation,
    // and the action offered for a completed upgrade is a control Tab reaches too
    browser.findElement(By.tagName("body")).sendKeys(org.openqa.selenium.Keys.TAB);
    assertThat(browser.switchTo().activeElement().getText()).isEqualTo("Skip to content");
    List<String> reached = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      browser.switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.TAB);
      reached.add(browser.switchTo().activeElement().getText());
    }
    assertThat(reached).contains("Platforms", "Submit a release", "Roll back…");

    // a phone's width: the page fits, nothing to scroll sideways
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 1600));
    browser.navigate().refresh();
    awaitPage(
        "phone-layout",
        b ->
            b.findElement(By.cssSelector(".summary .state")).getText().equals("completed")
                && (Long)
                        ((JavascriptExecutor) b)
                            .executeScript(
                                "return document.documentElement.scrollWidth"
                                    + " - document.documentElement.clientWidth")
                    <= 0);
    screenshot("upgrade-phone");
  }

  @Test
  @Order(3)
  void aConsoleKilledComesBackAndTheLocalModePrintsANewSignInUrl() throws Exception {
    browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1800));
    ServiceProcess console = local.services().instances().get("console");
    String log = console.log().toString();
    ProcessHandle.of(console.pid()).orElseThrow().destroyForcibly();
    Pattern again = Pattern.compile("console has forgotten its sessions: sign in again at (\\S+)");
    Eventually.until(
        "the local mode prints a new sign-in URL",
        Duration.ofSeconds(60),
        () -> again.matcher(OUTPUT.toString()).find());
    Matcher printed = again.matcher(OUTPUT.toString());
    assertThat(printed.find()).isTrue();
    String signIn = printed.group(1);
    assertThat(signIn).doesNotContain(local.token());

    // the old session is gone; the new URL signs the operator in
    String base = signIn.substring(0, signIn.indexOf("/signin/"));
    browser.get(base + "/platforms");
    assertThat(browser.getCurrentUrl()).endsWith("/signin");
    browser.get(signIn);
    assertThat(browser.getCurrentUrl()).endsWith("/platforms");
    assertThat(browser.findElement(By.id("platform-" + local.platform())).getText())
        .contains("workbench");
    assertThat(Files.readString(Path.of(log)))
        .as("the sign-in code is printed for the person, never logged")
        .doesNotContain(signIn.substring(signIn.indexOf("/signin/") + "/signin/".length()));
  }

  /** Puts text into the release field as a paste does (one input event, no typing). */
  private static void paste(String text) {
    ((JavascriptExecutor) browser)
        .executeScript(
            "const field = document.getElementById('release'); field.value = arguments[0];"
                + " field.dispatchEvent(new Event('input', {bubbles: true}));",
            text);
  }

  /** Waits for the page to show something; if it never does, keeps its picture and source. */
  /**
   * The trace viewer holds the upgrade's trace with spans of all five services (its API, as its
   * page renders them), and its page for the trace opens.
   */
  private static void assertTheViewerShowsTheTraceOfTheFiveServices(String traceUrl)
      throws Exception {
    String base = traceUrl.substring(0, traceUrl.indexOf("/zipkin/traces/"));
    String traceId = traceUrl.substring(traceUrl.lastIndexOf('/') + 1);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.Set<String> services = new java.util.TreeSet<>();
    java.time.Instant deadline = java.time.Instant.now().plusSeconds(60);
    while (services.size() < 5 && java.time.Instant.now().isBefore(deadline)) {
      java.net.http.HttpResponse<String> trace =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(base + "/api/v2/trace/" + traceId))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      if (trace.statusCode() == 200) {
        json.readTree(trace.body())
            .forEach(span -> services.add(span.at("/localEndpoint/serviceName").asText()));
      }
      Thread.sleep(500);
    }
    assertThat(services)
        .as("services with spans in the upgrade's trace")
        .contains("planner", "executor", "validator", "notifier", "rca-recorder");
    browser.get(traceUrl);
    awaitPage("trace-viewer", b -> b.getPageSource().contains("planner"));
    screenshot("trace");
  }

  /**
   * Clicks an element of a page that follows its upgrade live: the element may be swapped between
   * finding and clicking it, so it is found again until a click lands.
   */
  private static void click(String what, By element) throws Exception {
    awaitPage(
        what,
        b -> {
          b.findElement(element).click();
          return true;
        });
  }

  private static void awaitPage(
      String what, java.util.function.Function<org.openqa.selenium.WebDriver, Boolean> shows)
      throws Exception {
    try {
      new WebDriverWait(browser, Duration.ofSeconds(90), Duration.ofMillis(150))
          .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
          .ignoring(org.openqa.selenium.NoSuchElementException.class)
          .until(shows);
    } catch (org.openqa.selenium.TimeoutException e) {
      screenshot("timeout-" + what);
      Files.writeString(SCREENSHOTS.resolve("timeout-" + what + ".html"), browser.getPageSource());
      throw e;
    }
  }

  private static Path screenshot(String name) throws Exception {
    Path file = SCREENSHOTS.resolve(name + ".png");
    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.copy(shot, file, StandardCopyOption.REPLACE_EXISTING);
    return file;
  }
}
