package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.ListBlobsOptions;
import io.dualpush.testkit.AzuriteExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Writes the v1 legacy Azure log that {@link LegacyAzureLogIT} reads, with the {@code
 * AzureBlobTransactionLog} of the build it runs in, against Azurite, and downloads each segment
 * blob's bytes. Skipped unless asked for; run once, by hand, with the release whose format is being
 * pinned (see {@code src/test/resources/legacy-log/README.md}):
 *
 * <pre>
 * mvn -B -o -q verify -pl dualpush-azure -am -Dit.test=LegacyAzureLogGeneratorIT -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false -Dinvoker.skip \
 *     -Dmaven.javadoc.skip=true -Ddualpush.legacyLog.writeTo=$PWD/dualpush-azure/src/test/resources/legacy-log/v1/azure
 * </pre>
 *
 * Never run it into {@code v1/} again once later code has changed the format: the point of those
 * bytes is that they were written by the old code.
 */
@EnabledIfSystemProperty(named = LegacyAzureLogGeneratorIT.WRITE_TO, matches = ".+")
@DisplayName("The v1 legacy Azure log generator (run by hand)")
class LegacyAzureLogGeneratorIT {
  static final String WRITE_TO = "dualpush.legacyLog.writeTo";
  static final String PREFIX = "legacy/v1";

  @RegisterExtension static AzuriteExtension azurite = new AzuriteExtension("legacy-log-generator");

  @Test
  @DisplayName("writes a log of several segments after a copy-forward and a restate, and downloads its segments")
  void write() throws IOException {
    Path out = Path.of(System.getProperty(WRITE_TO)).toAbsolutePath();
    BlobContainerClient container = AzuriteClients.freshContainer(AzuriteClients.service(azurite));
    String first = PREFIX + "/segment-00000000000000000001.log";
    int fillers = 0;
    // Small segments, so that a few dozen records roll several times and the default compaction
    // (2 retained, copy forward beyond 2 pinned) copies the unfinished transactions forward.
    try (AzureBlobTransactionLog log = AzureBlobTransactionLog.builder(container, PREFIX).segmentSize(4096).open()) {
      LegacyLogV1.writeEarly(log::append);
      while (container.getBlobClient(first).exists()) {
        LegacyLogV1.writeFiller(log::append, ++fillers);
        assertThat(fillers).as("fillers before the first segment is compacted away").isLessThan(1000);
      }
      LegacyLogV1.writeLate(log::append);
    }
    List<BlobItem> segments = container.listBlobs(new ListBlobsOptions().setPrefix(PREFIX + "/segment-"), null)
        .stream().toList();
    assertThat(segments).as("segments left").hasSizeGreaterThanOrEqualTo(3);

    Files.createDirectories(out);
    try (Stream<Path> old = Files.list(out)) {
      for (Path p : old.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        Files.delete(p);
      }
    }
    for (BlobItem b : segments) {
      String name = b.getName().substring(PREFIX.length() + 1);
      Files.write(out.resolve(name), container.getBlobClient(b.getName()).downloadContent().toBytes());
    }
    int firstKept = fillers + 1;
    try (AzureBlobTransactionLog copy = AzureBlobTransactionLog.openReadOnly(container, PREFIX)) {
      for (int i = fillers; i >= 1 && copy.read(LegacyLogV1.fillerId(i)).isPresent(); i--) {
        firstKept = i;
      }
      LegacyLogV1.expected().forEach((id, e) -> assertThat(copy.read(id)).as(id).hasValue(e.record()));
    }
    System.out.printf("legacy Azure log: %d segments %s; fillers 1..%d written, %d..%d kept%n", segments.size(),
        segments.stream().map(BlobItem::getName).toList(), fillers, firstKept, fillers);
    container.delete();
  }
}
