package io.dualpush.samples;

import com.azure.storage.blob.models.ListBlobsOptions;
import io.dualpush.InvalidInputException;
import io.dualpush.azure.AzureBlobTransactionLog;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.log.TransactionIndex;
import io.dualpush.spi.TransactionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * The {@code --log} option: a local directory (a {@link FileTransactionLog}) or, for a job without
 * a durable disk, an {@link AzureBlobTransactionLog} under a prefix of a container:
 * {@code azure:https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX} or
 * {@code azure-env:ENV_VAR/CONTAINER/PREFIX} (see {@link AzureLocations}).
 */
final class LogLocation {
  private final String spec;
  private final Path directory; // null for an Azure log
  private final AzureLocations.Location azure; // null for a directory

  private LogLocation(String spec, Path directory, AzureLocations.Location azure) {
    this.spec = spec;
    this.directory = directory;
    this.azure = azure;
  }

  static LogLocation parse(CliArgs args, Function<String, String> env) {
    String spec = args.required("--log");
    if (AzureLocations.isAzure(spec)) {
      return new LogLocation(spec, null, AzureLocations.parse("--log", spec, true, env));
    }
    return new LogLocation(spec, Path.of(spec), null);
  }

  /** The local directory of the log, or null for an Azure log. */
  Path directory() {
    return directory;
  }

  /** The URL of the Azure log's container, or null for a local log. */
  String containerUrl() {
    return azure == null ? null : azure.container().getBlobContainerUrl();
  }

  @Override
  public String toString() {
    return directory != null ? directory.toAbsolutePath().normalize().toString() : spec;
  }

  /** For {@code push}: checks the location can hold a log and creates the directory when missing. */
  void prepareForWriting() {
    if (directory == null) {
      return;
    }
    if (Files.exists(directory) && !Files.isDirectory(directory)) {
      throw new UsageException("--log: not a directory: " + this);
    }
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UsageException("--log: cannot create " + this + ": " + e.getMessage());
    }
  }

  /** Opens the log for writing, keeping the default number of finished transactions in memory. */
  TransactionLog openWriter(boolean quarantine) {
    return openWriter(TransactionIndex.DEFAULT_TERMINAL_RETENTION, quarantine);
  }

  /**
   * Opens the log for writing; the caller closes it after the client.
   *
   * @param quarantine whether a damaged segment is moved aside ({@code --quarantine-damaged})
   *     instead of stopping the open
   */
  TransactionLog openWriter(int terminalRetention, boolean quarantine) {
    if (directory != null) {
      return FileTransactionLog.builder(directory).terminalRetention(terminalRetention)
          .quarantineDamagedSegments(quarantine).open();
    }
    AzureLocations.Location a = java.util.Objects.requireNonNull(azure);
    if (quarantine) {
      throw new UsageException("--quarantine-damaged applies to a log in a local directory, not to " + spec);
    }
    return AzureBlobTransactionLog.builder(a.container(), a.prefix()).terminalRetention(terminalRetention).open();
  }

  /** Opens an existing log read-only, failing with a usage error when there is none. */
  TransactionLog openExisting() {
    if (directory != null) {
      try {
        return FileTransactionLog.openReadOnly(directory);
      } catch (InvalidInputException e) {
        throw new UsageException("--log: no transaction log in " + this);
      }
    }
    AzureLocations.Location a = java.util.Objects.requireNonNull(azure);
    boolean any = a.container().listBlobs(new ListBlobsOptions().setPrefix(a.prefix() + "/segment-").setMaxResultsPerPage(1),
        Duration.ofMinutes(1)).iterator().hasNext();
    if (!any) {
      throw new UsageException("--log: no transaction log at " + spec);
    }
    return AzureBlobTransactionLog.openReadOnly(a.container(), a.prefix());
  }
}
