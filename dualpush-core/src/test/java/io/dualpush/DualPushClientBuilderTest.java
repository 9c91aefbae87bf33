package io.dualpush;

import static io.dualpush.Refusals.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.BindMount;
import io.dualpush.local.InProcessDedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.HealthStatus;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("DualPushClientBuilder (G8: bad config fails at build, before anything is written or started)")
class DualPushClientBuilderTest {
  @TempDir
  Path tmp;

  private Path primaryDir;
  private Path secondaryDir;
  private Path logDir;
  private FileSystemDestination primary;
  private FileSystemDestination secondary;

  @BeforeEach
  void setUp() throws IOException {
    primaryDir = Files.createDirectory(tmp.resolve("primary"));
    secondaryDir = Files.createDirectory(tmp.resolve("secondary"));
    logDir = Files.createDirectory(tmp.resolve("log"));
    primary = new FileSystemDestination(primaryDir);
    secondary = new FileSystemDestination(secondaryDir);
  }

  /** Two required file destinations and a file log: a configuration that builds. */
  private DualPushClientBuilder validBuilder() {
    return new DualPushClientBuilder()
        .destination("primary", primary)
        .destination("secondary", secondary)
        .transactionLog(logDir);
  }

  /** Names of live threads the engine starts (it names them all "dualpush-..."). */
  static Set<String> dualpushThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("dualpush-"))
        .collect(Collectors.toSet());
  }

  /** Every path under {@code root} with, for files, its size and modification time. */
  static Map<Path, String> tree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      Map<Path, String> tree = new TreeMap<>();
      paths.forEach(p -> {
        try {
          tree.put(root.relativize(p), Files.isDirectory(p) ? "dir"
              : Files.size(p) + "@" + Files.getLastModifiedTime(p));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      return tree;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts that {@code call} is refused naming {@code field} and that it left no trace: no file or
   * directory created or changed under the test's temporary directory, no engine thread started.
   */
  private InvalidInputException assertRefusedWithoutSideEffects(ThrowingCallable call, String field) {
    Map<Path, String> filesBefore = tree(tmp);
    Set<String> threadsBefore = dualpushThreads();
    InvalidInputException e = assertRefused(call, field);
    assertThat(tree(tmp)).as("files after the refusal").isEqualTo(filesBefore);
    assertThat(dualpushThreads()).as("dualpush threads after the refusal").isSubsetOf(threadsBefore);
    return e;
  }

  /** Asserts both build methods are refused naming {@code field}, with no side effects. */
  private InvalidInputException assertBuildRefused(DualPushClientBuilder builder, String field) {
    assertRefusedWithoutSideEffects(builder::buildAsyncClient, field);
    return assertRefusedWithoutSideEffects(builder::buildClient, field);
  }

  @Nested
  @DisplayName("build() refuses")
  class BuildRefuses {

    @Test
    @DisplayName("a configuration without any destination, naming 'destination'")
    void noDestination() {
      InvalidInputException e = assertBuildRefused(new DualPushClientBuilder().transactionLog(logDir), "destination");
      assertThat(e.getMessage()).contains("at least one");
    }

    @Test
    @DisplayName("a configuration whose destinations are all optional, naming 'destination'")
    void noRequiredDestination() {
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination(DestinationOptions.builder("primary").required(false).build(), primary)
          .destination(DestinationOptions.builder("edge").required(false).build(), secondary)
          .transactionLog(logDir);
      InvalidInputException e = assertBuildRefused(b, "destination");
      assertThat(e.getMessage()).contains("required");
    }

    @Test
    @DisplayName("a quorum larger than the number of required destinations, naming 'ackPolicy'")
    void quorumTooLarge() {
      InvalidInputException e = assertBuildRefused(validBuilder().ackPolicy(AckPolicy.quorum(3)), "ackPolicy");
      assertThat(e.getMessage()).contains("quorum(3)").contains("2 required");
    }

    @Test
    @DisplayName("a quorum that counts an optional destination, naming 'ackPolicy'")
    void quorumCountsOnlyRequired() {
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination("primary", primary)
          .destination(DestinationOptions.builder("edge").required(false).build(), secondary)
          .transactionLog(logDir)
          .ackPolicy(AckPolicy.quorum(2));
      assertBuildRefused(b, "ackPolicy");
    }

    @Test
    @DisplayName("a configuration without a transaction log, naming 'transactionLog'")
    void noTransactionLog() {
      DualPushClientBuilder b = new DualPushClientBuilder().destination("primary", primary);
      InvalidInputException e = assertBuildRefused(b, "transactionLog");
      assertThat(e.getMessage()).contains("must be set");
    }

    @Test
    @DisplayName("a transaction log 'directory' that is a regular file, naming 'transactionLog'")
    void logDirectoryIsAFile() throws IOException {
      Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
      DualPushClientBuilder b = new DualPushClientBuilder().destination("primary", primary).transactionLog(file);
      InvalidInputException e = assertBuildRefused(b, "transactionLog");
      assertThat(e.getMessage()).contains("not a directory").contains(file.toString());
      assertThat(file).hasContent("not a directory");
    }

    @Test
    @DisplayName("a transaction log directory that cannot be created (a file where a parent should be), naming 'transactionLog'")
    void logDirectoryCannotBeCreated() throws IOException {
      Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
      Path below = file.resolve("log");
      DualPushClientBuilder b = new DualPushClientBuilder().destination("primary", primary).transactionLog(below);
      InvalidInputException e = assertBuildRefused(b, "transactionLog");
      assertThat(e.getMessage()).contains("cannot be created").contains(below.toString());
      assertThat(file).hasContent("not a directory");
    }

    @Test
    @DisplayName("a transaction log directory inside a destination's is refused before it is created")
    void missingLogDirectoryInsideDestinationNotCreated() {
      Path inside = primaryDir.resolve("new").resolve("log");
      DualPushClientBuilder b = new DualPushClientBuilder().destination("primary", primary).transactionLog(inside);
      assertBuildRefused(b, "transactionLog");
      assertThat(primaryDir.resolve("new")).doesNotExist();
    }

    @Test
    @DisplayName("a transaction log directory another log holds open, starting nothing and writing no destination")
    void logDirectoryInUse() {
      try (FileTransactionLog holder = FileTransactionLog.open(logDir)) {
        Map<Path, String> filesBefore = tree(tmp);
        Set<String> threadsBefore = dualpushThreads();
        assertThatThrownBy(() -> validBuilder().buildClient())
            .isInstanceOf(DualPushException.class)
            .hasMessageContaining(logDir.toString())
            .hasMessageContaining("already open");
        assertThat(tree(tmp)).isEqualTo(filesBefore);
        assertThat(dualpushThreads()).isSubsetOf(threadsBefore);
      }
    }
  }

  /** A destination that stores nothing, with the SPI's default (identity) notion of overlap. */
  static final class StubDestination implements Destination {
    @Override
    public PutResult put(WriteRequest request) {
      return new PutResult(true, request.md5(), Optional.empty());
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
      return Optional.empty();
    }

    @Override
    public Optional<InputStream> get(String key) {
      return Optional.empty();
    }

    @Override
    public boolean delete(String key) {
      return false;
    }

    @Override
    public HealthStatus probe() {
      return HealthStatus.healthy(Duration.ZERO);
    }

    @Override
    public String describe() {
      return "stub";
    }
  }

  @Nested
  @DisplayName("build() refuses overlapping storage, naming the field and both places, before anything is opened")
  class BuildRefusesOverlap {

    @Test
    @DisplayName("the same Destination instance under two ids (regression: it was accepted)")
    void sameInstanceTwice() {
      Destination stub = new StubDestination();
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination("primary", stub)
          .destination("secondary", stub)
          .transactionLog(logDir);
      InvalidInputException e = assertBuildRefused(b, "destination");
      assertThat(e.getMessage()).contains("'primary'").contains("'secondary'").contains("same");
    }

    @Test
    @DisplayName("one directory under two ids, through two instances (regression: it was accepted)")
    void sameDirectoryTwice() {
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination("primary", primary)
          .destination("secondary", new FileSystemDestination(primaryDir))
          .transactionLog(logDir);
      InvalidInputException e = assertBuildRefused(b, "destination");
      assertThat(e.getMessage()).contains("'primary'").contains("'secondary'").contains(primary.directory().toString())
          .contains("same directory");
    }

    @Test
    @DisplayName("one directory under two ids, one reached through a symbolic link")
    void sameDirectoryThroughSymlink() throws IOException {
      Path link = Files.createSymbolicLink(tmp.resolve("link-to-primary"), primaryDir);
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination("primary", primary)
          .destination("secondary", new FileSystemDestination(link))
          .transactionLog(logDir);
      assertThat(assertBuildRefused(b, "destination").getMessage()).contains("'primary'").contains("'secondary'");
    }

    @Test
    @DisplayName("a destination directory inside another, directly or through a symlinked subdirectory")
    void nestedDirectories() throws IOException {
      Path inner = Files.createDirectories(primaryDir.resolve("copies/dr"));
      DualPushClientBuilder b = new DualPushClientBuilder()
          .destination("primary", primary)
          .destination("secondary", new FileSystemDestination(inner))
          .transactionLog(logDir);
      assertThat(assertBuildRefused(b, "destination").getMessage()).contains("'primary'").contains("'secondary'")
          .contains("inside");
      Path looksApart = Files.createSymbolicLink(tmp.resolve("looks-apart"), inner);
      DualPushClientBuilder reversed = new DualPushClientBuilder()
          .destination("dr", new FileSystemDestination(looksApart))
          .destination("primary", primary)
          .transactionLog(logDir);
      assertThat(assertBuildRefused(reversed, "destination").getMessage()).contains("'dr'").contains("'primary'");
    }

    @Test
    @DisplayName("one directory under two ids, one reached through a bind mount (root only; skipped otherwise)")
    void sameDirectoryThroughBindMount() throws IOException {
      Path alias = Files.createDirectory(tmp.resolve("alias"));
      try (BindMount m = BindMount.of(primaryDir, alias)) {
        DualPushClientBuilder b = new DualPushClientBuilder()
            .destination("primary", primary)
            .destination("secondary", new FileSystemDestination(alias))
            .transactionLog(logDir);
        assertThat(assertBuildRefused(b, "destination").getMessage()).contains("'primary'").contains("'secondary'");
      }
    }

    @Test
    @DisplayName("a transaction log directory inside a destination's directory (regression: a pushed key at the "
        + "log's relative path replaced the live segment and the whole log was lost silently)")
    void logInsideDestination() throws IOException {
      Path inside = Files.createDirectories(primaryDir.resolve("log"));
      DualPushClientBuilder b = new DualPushClientBuilder()
          .transactionLog(inside)
          .destination("primary", primary)
          .destination("secondary", secondary);
      InvalidInputException e = assertBuildRefused(b, "transactionLog");
      assertThat(e.getMessage()).contains(inside.toString()).contains("'primary'")
          .contains(primary.directory().toString()).contains("inside");
    }

    @Test
    @DisplayName("a transaction log directory that is a destination's directory, or contains it")
    void logSameOrContaining() {
      DualPushClientBuilder same = new DualPushClientBuilder()
          .destination("primary", primary)
          .destination("secondary", secondary)
          .transactionLog(secondaryDir);
      assertThat(assertBuildRefused(same, "transactionLog").getMessage()).contains("'secondary'").contains("same directory");
      DualPushClientBuilder containing = new DualPushClientBuilder()
          .destination("primary", primary)
          .transactionLog(tmp);
      assertThat(assertBuildRefused(containing, "transactionLog").getMessage()).contains("'primary'").contains("contains");
    }

    @Test
    @DisplayName("a transaction log directory reached through a symbolic link into a destination")
    void logThroughSymlink() throws IOException {
      Files.createDirectories(primaryDir.resolve("hidden/log"));
      Path link = Files.createSymbolicLink(tmp.resolve("log-link"), primaryDir.resolve("hidden/log"));
      DualPushClientBuilder b = new DualPushClientBuilder().destination("primary", primary).transactionLog(link);
      assertThat(assertBuildRefused(b, "transactionLog").getMessage()).contains("'primary'");
    }

    @Test
    @DisplayName("a transaction log directory that is a destination's, through a bind mount (root only; skipped otherwise)")
    void logThroughBindMount() throws IOException {
      Path alias = Files.createDirectory(tmp.resolve("alias"));
      try (BindMount m = BindMount.of(primaryDir, alias)) {
        DualPushClientBuilder b = new DualPushClientBuilder().destination("primary", primary).transactionLog(alias);
        assertThat(assertBuildRefused(b, "transactionLog").getMessage()).contains("'primary'");
      }
    }

    @Test
    @DisplayName("a FileTransactionLog instance whose directory is inside a destination's")
    void logInstanceInsideDestination() throws IOException {
      Path inside = Files.createDirectories(secondaryDir.resolve("txlog"));
      try (FileTransactionLog log = FileTransactionLog.open(inside)) {
        DualPushClientBuilder b = new DualPushClientBuilder()
            .destination("primary", primary)
            .destination("secondary", secondary)
            .transactionLog(log);
        assertThat(assertBuildRefused(b, "transactionLog").getMessage()).contains("'secondary'")
            .contains(log.directory().toString());
      }
    }
  }

  @Nested
  @DisplayName("build() accepts storage that does not overlap")
  class AcceptsApart {

    @Test
    @DisplayName("sibling directories whose names share a prefix, and a log beside them")
    void siblingsWithCommonPrefix() throws IOException {
      Path primary2 = Files.createDirectory(tmp.resolve("primary2"));
      Path log2 = Files.createDirectory(tmp.resolve("primary-log"));
      try (DualPushClient client = new DualPushClientBuilder()
          .destination("primary", primary)
          .destination("primary2", new FileSystemDestination(primary2))
          .transactionLog(log2)
          .buildClient()) {
        assertThat(client.push("a.txt", "x".getBytes(StandardCharsets.UTF_8)).state()).isEqualTo(TransactionState.VERIFIED);
      }
    }
  }

  @Nested
  @DisplayName("setters refuse at once")
  class SettersRefuse {

    @Test
    @DisplayName("a transaction log directory given twice, saying it was already set")
    void transactionLogPathTwice() {
      DualPushClientBuilder b = validBuilder();
      InvalidInputException e = assertRefusedWithoutSideEffects(() -> b.transactionLog(secondaryDir), "transactionLog");
      assertThat(e.getMessage()).contains("transactionLog was already set").contains(logDir.toString());
    }

    @Test
    @DisplayName("a TransactionLog and a directory, in either order, saying it was already set")
    void transactionLogAndPath(@TempDir Path otherLogDir) {
      try (FileTransactionLog log = FileTransactionLog.open(otherLogDir)) {
        DualPushClientBuilder first = new DualPushClientBuilder().transactionLog(log);
        assertThat(assertRefusedWithoutSideEffects(() -> first.transactionLog(logDir), "transactionLog").getMessage())
            .contains("transactionLog was already set");
        DualPushClientBuilder second = new DualPushClientBuilder().transactionLog(logDir);
        assertThat(assertRefusedWithoutSideEffects(() -> second.transactionLog(log), "transactionLog").getMessage())
            .contains("transactionLog was already set");
        DualPushClientBuilder third = new DualPushClientBuilder().transactionLog(log);
        assertRefusedWithoutSideEffects(() -> third.transactionLog(log), "transactionLog");
      }
    }

    @Test
    @DisplayName("a destination id added twice, naming 'destination' and the id")
    void duplicateDestinationId() {
      DualPushClientBuilder b = validBuilder();
      InvalidInputException e = assertRefusedWithoutSideEffects(
          () -> b.destination(DestinationOptions.builder("primary").required(false).build(), secondary), "destination");
      assertThat(e.getMessage()).contains("'primary'").contains("already");
    }

    @Test
    @DisplayName("null options or destination, naming each")
    void nullDestinationArguments() {
      assertRefusedWithoutSideEffects(() -> new DualPushClientBuilder().destination((DestinationOptions) null, primary), "options");
      assertRefusedWithoutSideEffects(() -> new DualPushClientBuilder().destination(DestinationOptions.of("p"), null), "destination");
      assertRefusedWithoutSideEffects(() -> new DualPushClientBuilder().destination("p", null), "destination");
      assertRefusedWithoutSideEffects(() -> new DualPushClientBuilder().destination("bad id", primary), "id");
    }

    @Test
    @DisplayName("null or out-of-range values of the other settings, naming each")
    void badValues() {
      DualPushClientBuilder b = new DualPushClientBuilder();
      assertRefusedWithoutSideEffects(() -> b.transactionLog((Path) null), "transactionLog");
      assertRefusedWithoutSideEffects(() -> b.transactionLog((FileTransactionLog) null), "transactionLog");
      assertRefusedWithoutSideEffects(() -> b.dedupeStore(null), "dedupeStore");
      assertRefusedWithoutSideEffects(() -> b.dedupeTtl(null), "dedupeTtl");
      assertRefusedWithoutSideEffects(() -> b.dedupeTtl(Duration.ZERO), "dedupeTtl");
      assertRefusedWithoutSideEffects(() -> b.alertSink(null), "alertSink");
      assertRefusedWithoutSideEffects(() -> b.coordinator(null), "coordinator");
      assertRefusedWithoutSideEffects(() -> b.listener(null), "listener");
      assertRefusedWithoutSideEffects(() -> b.ackPolicy(null), "ackPolicy");
      assertRefusedWithoutSideEffects(() -> b.retry(null), "retry");
      assertRefusedWithoutSideEffects(() -> b.circuitBreaker(null), "circuitBreaker");
      assertRefusedWithoutSideEffects(() -> b.repair(null), "repair");
      assertRefusedWithoutSideEffects(() -> b.clock(null), "clock");
      assertRefusedWithoutSideEffects(() -> b.ioThreads(0), "ioThreads");
      assertRefusedWithoutSideEffects(() -> b.maxInFlight(0), "maxInFlight");
      assertRefusedWithoutSideEffects(() -> b.retainedPayloadBytes(-1), "retainedPayloadBytes");
      assertRefusedWithoutSideEffects(() -> b.closeTimeout(Duration.ofSeconds(-1)), "closeTimeout");
      // None of the refusals above counted as setting the value.
      b.dedupeTtl(Duration.ofHours(1)).closeTimeout(Duration.ofSeconds(5)).ioThreads(2);
    }

    static Stream<Arguments> settings() {
      return Stream.of(
          Arguments.of("ackPolicy", (Consumer<DualPushClientBuilder>) b -> b.ackPolicy(AckPolicy.allRequired())),
          Arguments.of("retry", (Consumer<DualPushClientBuilder>) b -> b.retry(RetryOptions.none())),
          Arguments.of("circuitBreaker", (Consumer<DualPushClientBuilder>) b -> b.circuitBreaker(CircuitBreakerOptions.disabled())),
          Arguments.of("repair", (Consumer<DualPushClientBuilder>) b -> b.repair(RepairOptions.ofDefaults())),
          Arguments.of("clock", (Consumer<DualPushClientBuilder>) b -> b.clock(Clock.systemUTC())),
          Arguments.of("dedupeStore", (Consumer<DualPushClientBuilder>) b -> b.dedupeStore(new InProcessDedupeStore(Clock.systemUTC()))),
          Arguments.of("dedupeTtl", (Consumer<DualPushClientBuilder>) b -> b.dedupeTtl(Duration.ofDays(1))),
          Arguments.of("alertSink", (Consumer<DualPushClientBuilder>) b -> b.alertSink(alert -> { })),
          Arguments.of("coordinator", (Consumer<DualPushClientBuilder>) b -> b.coordinator(ActiveRegionCoordinator.builder()
              .leaseStore(new io.dualpush.local.InProcessLeaseStore(Clock.systemUTC())).leaseName("active_dc").build())),
          Arguments.of("ioThreads", (Consumer<DualPushClientBuilder>) b -> b.ioThreads(4)),
          Arguments.of("maxInFlight", (Consumer<DualPushClientBuilder>) b -> b.maxInFlight(8)),
          Arguments.of("retainedPayloadBytes", (Consumer<DualPushClientBuilder>) b -> b.retainedPayloadBytes(0)),
          Arguments.of("closeTimeout", (Consumer<DualPushClientBuilder>) b -> b.closeTimeout(Duration.ofSeconds(1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    @DisplayName("a setting given twice, saying it was already set")
    void settingGivenTwice(String field, Consumer<DualPushClientBuilder> set) {
      DualPushClientBuilder b = new DualPushClientBuilder();
      set.accept(b);
      InvalidInputException e = assertRefusedWithoutSideEffects(() -> set.accept(b), field);
      assertThat(e.getMessage()).contains(field + " was already set");
    }
  }

  @Nested
  @DisplayName("a valid configuration")
  class Valid {

    @Test
    @DisplayName("builds a client that stores a push at every destination, and close() releases its threads and log")
    void buildsAndCloses() {
      Set<String> threadsBefore = dualpushThreads();
      byte[] bytes = "id,amount\n1,42\n".getBytes(StandardCharsets.UTF_8);
      try (DualPushClient client = validBuilder().ackPolicy(AckPolicy.quorum(2)).buildClient()) {
        PushReceipt receipt = client.push("gold/sales.csv", bytes);
        assertThat(receipt.state()).isEqualTo(TransactionState.VERIFIED);
      }
      assertThat(primaryDir.resolve("gold/sales.csv")).hasBinaryContent(bytes);
      assertThat(secondaryDir.resolve("gold/sales.csv")).hasBinaryContent(bytes);
      await().atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(dualpushThreads()).isSubsetOf(threadsBefore));
      // The lock is released: the directory can be opened again.
      FileTransactionLog.open(logDir).close();
    }

    @Test
    @DisplayName("creates a missing transaction log directory, parents included, and logs the push there")
    void createsMissingLogDirectory() {
      Path missing = tmp.resolve("state").resolve("log");
      try (DualPushClient client = new DualPushClientBuilder().destination("primary", primary)
          .transactionLog(missing).buildClient()) {
        assertThat(client.push("a.csv", new byte[] {1}).state()).isEqualTo(TransactionState.VERIFIED);
      }
      assertThat(missing).isDirectory();
      try (FileTransactionLog log = FileTransactionLog.open(missing)) {
        assertThat(log.recent(10)).hasSize(1);
      }
    }
  }
}
