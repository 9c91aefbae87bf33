package io.dualpush;

import io.dualpush.internal.EngineConfig;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import io.dualpush.local.LocalDirectories;
import io.dualpush.spi.Destination;
import io.dualpush.spi.TransactionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The checks {@link DualPushClientBuilder#buildAsyncClient} makes of the settings as a whole, before
 * anything is written or started: that the destinations can satisfy the acknowledgement policy, that
 * a log was chosen, and that no two places that must stay independent (two destinations, or a
 * destination and the file log) share storage. Kept apart so the public builder is its documented
 * setters and this one place says what a valid combination is.
 */
final class BuildChecks {
  private BuildChecks() {}

  /**
   * The acknowledgement policy to use: {@code chosen}, or all required copies when none was chosen;
   * fails when there is no destination, none is required, or the policy needs more copies than
   * there are required destinations.
   */
  static AckPolicy ackPolicy(Collection<EngineConfig.Target> destinations, AckPolicy chosen) {
    if (destinations.isEmpty()) {
      throw new InvalidInputException("destination", "at least one 'destination' must be added");
    }
    int required = (int) destinations.stream().filter(t -> t.options().required()).count();
    if (required == 0) {
      throw new InvalidInputException("destination", "at least one 'destination' must be required");
    }
    AckPolicy ack = chosen != null ? chosen : AckPolicy.allRequired();
    if (ack.requiredCopies(required) > required) {
      throw new InvalidInputException("ackPolicy", "'ackPolicy' " + ack + " needs more copies than the "
          + required + " required destination(s)");
    }
    return ack;
  }

  /** Fails unless exactly one kind of log was chosen and a chosen directory could be one. */
  static void requireLog(TransactionLog transactionLog, Path transactionLogDirectory) {
    if (transactionLog == null && transactionLogDirectory == null) {
      throw new InvalidInputException("transactionLog", "'transactionLog' must be set: a directory for the "
          + "embedded file log, or a TransactionLog; without it no push would survive a crash");
    }
    if (transactionLogDirectory != null && Files.exists(transactionLogDirectory)
        && !Files.isDirectory(transactionLogDirectory)) {
      throw new InvalidInputException("transactionLog", "'transactionLog' exists and is not a directory: "
          + transactionLogDirectory.toAbsolutePath());
    }
  }

  /**
   * Checks that no two destinations, and no destination and the file log, share storage, then
   * creates the log's directory when it is missing. Runs before the log is opened: opening it writes
   * into its directory, which may be a destination's; a missing log directory is judged where it
   * would be created.
   *
   * @param transactionLog the log given, or null
   * @param transactionLogDirectory the directory given for the embedded file log, or null
   */
  static void separateStorage(Map<String, EngineConfig.Target> destinations, TransactionLog transactionLog,
      Path transactionLogDirectory) {
    Path logDirectory = transactionLogDirectory != null ? transactionLogDirectory
        : transactionLog instanceof FileTransactionLog file ? file.directory() : null;
    checkNoOverlap(destinations, logDirectory);
    if (transactionLogDirectory != null && !Files.isDirectory(transactionLogDirectory)) {
      createLogDirectory(destinations, transactionLogDirectory);
    }
  }

  /**
   * Refuses two destinations that overlap, and a file log whose directory overlaps a local
   * destination's: either way one copy's writes could land in the other's storage (or replace the
   * log's segments), so a push would not be safe anywhere.
   */
  private static void checkNoOverlap(Map<String, EngineConfig.Target> destinations, Path logDirectory) {
    List<Map.Entry<String, EngineConfig.Target>> targets = List.copyOf(destinations.entrySet());
    for (int i = 0; i < targets.size(); i++) {
      Destination a = targets.get(i).getValue().destination();
      String aId = targets.get(i).getKey();
      for (int j = i + 1; j < targets.size(); j++) {
        Destination b = targets.get(j).getValue().destination();
        String bId = targets.get(j).getKey();
        if (a.overlaps(b) || b.overlaps(a)) {
          throw new InvalidInputException("destination", "'destination' '" + bId + "' (" + b.describe() + ") "
              + overlapPhrase(a, b) + " '" + aId + "' (" + a.describe() + "): writes to one could land in the "
              + "other's storage, so they would not be independent copies; give each destination its own place");
        }
      }
    }
    if (logDirectory == null) {
      return;
    }
    FileSystemDestination logView = null;
    for (Map.Entry<String, EngineConfig.Target> t : targets) {
      Destination d = t.getValue().destination();
      if (!(d instanceof FileSystemDestination local)) {
        // A wrapper (fault injection, metrics) that forwards overlaps() is asked about the log's
        // directory as if it were a local destination; constructing that view writes nothing.
        if (logView == null) {
          logView = viewOf(logDirectory);
        }
        if (logView != null && (d.overlaps(logView) || logView.overlaps(d))) {
          throw new InvalidInputException("transactionLog", "'transactionLog' directory " + logDirectory.toAbsolutePath()
              + " overlaps the storage of destination '" + t.getKey() + "' (" + d.describe() + ")"
              + ": a pushed object could replace a log segment and lose the log; keep the log outside every destination");
        }
        continue;
      }
      LocalDirectories.Relation relation;
      try {
        relation = LocalDirectories.relation(logDirectory, local.directory());
      } catch (IOException e) {
        // Refused rather than guessed: a wrong guess would let pushes overwrite the log.
        throw new InvalidInputException("transactionLog", "'transactionLog' directory " + logDirectory.toAbsolutePath()
            + " cannot be compared with destination '" + t.getKey() + "' (" + local.directory() + "): " + e);
      }
      if (relation != LocalDirectories.Relation.APART) {
        throw new InvalidInputException("transactionLog", "'transactionLog' directory " + logDirectory.toAbsolutePath()
            + " " + relation.phrase() + " the directory of destination '" + t.getKey() + "' (" + local.directory() + ")"
            + ": a pushed object could replace a log segment and lose the log; keep the log outside every destination");
      }
    }
  }

  /**
   * Creates the log's directory and its missing parents (as the pipeline CLI does for {@code --log}).
   * A wrapping destination can only be compared with an existing directory, so the overlap check runs
   * again once it exists; if that refuses, the directories just created are removed again.
   */
  private static void createLogDirectory(Map<String, EngineConfig.Target> destinations, Path directory) {
    Path abs = directory.toAbsolutePath().normalize();
    Path firstCreated = abs;
    while (firstCreated.getParent() != null && !Files.exists(firstCreated.getParent())) {
      firstCreated = firstCreated.getParent();
    }
    try {
      Files.createDirectories(abs);
    } catch (IOException e) {
      throw new InvalidInputException("transactionLog", "'transactionLog' directory " + abs
          + " does not exist and cannot be created: " + e);
    }
    try {
      checkNoOverlap(destinations, directory);
    } catch (InvalidInputException e) {
      for (Path p = abs; p != null && p.startsWith(firstCreated); p = p.getParent()) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          break; // Not empty any more, or not ours to remove: leave it.
        }
      }
      throw e;
    }
  }

  /** The log's directory seen as a local destination, or null when it cannot be one (then the log cannot open either). */
  private static FileSystemDestination viewOf(Path logDirectory) {
    try {
      return new FileSystemDestination(logDirectory);
    } catch (InvalidInputException e) {
      return null;
    }
  }

  /** How {@code b} overlaps {@code a}, for the message: the relation of two directories when both are local. */
  private static String overlapPhrase(Destination a, Destination b) {
    if (a == b) {
      return "is the same Destination instance as";
    }
    if (a instanceof FileSystemDestination la && b instanceof FileSystemDestination lb) {
      try {
        LocalDirectories.Relation r = LocalDirectories.relation(lb.directory(), la.directory());
        if (r != LocalDirectories.Relation.APART) {
          return r.phrase();
        }
      } catch (IOException e) {
        // Fall through to the general phrase.
      }
    }
    return "overlaps";
  }
}
