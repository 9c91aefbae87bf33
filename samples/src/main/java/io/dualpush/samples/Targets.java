package io.dualpush.samples;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.InvalidInputException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.TransactionLog;
import io.dualpush.azure.AzureBlobDestination;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.LocalDirectories;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code --destination NAME=LOCATION ...} and {@code --optional NAME ...} options: checked all
 * together, before anything is written. A location is a local directory, which must exist, or an
 * Azure container ({@link AzureLocations}: {@code azure:https://ACCOUNT.blob.core.windows.net/CONTAINER}
 * or {@code azure-env:ENV_VAR/CONTAINER}).
 */
final class Targets {
  /** One destination given on the command line. */
  record Target(String name, String location, boolean required, Destination destination, String containerUrl) {}

  private final List<Target> targets;

  private Targets(List<Target> targets) {
    this.targets = List.copyOf(targets);
  }

  /**
   * @param optionalInLog names the log records as optional destinations (for repair and verify);
   *     they stay optional without {@code --optional}
   */
  static Targets parse(CliArgs args, Set<String> optionalInLog, Function<String, String> env) {
    List<String> specs = args.all("--destination");
    if (specs.isEmpty()) {
      throw new UsageException("--destination NAME=DIR is required (give one per region)");
    }
    Map<String, String> dirs = new LinkedHashMap<>();
    Map<String, String> byLocation = new LinkedHashMap<>();
    List<Target> out = new ArrayList<>();
    Set<String> optional = new LinkedHashSet<>(args.all("--optional"));
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new UsageException("--destination: expected NAME=DIR, got '" + spec + "'");
      }
      String name = spec.substring(0, eq).trim();
      String location = spec.substring(eq + 1).trim();
      try {
        DestinationOptions.builder(name).build();
      } catch (InvalidInputException e) {
        throw new UsageException("--destination " + name + ": " + e.getMessage());
      }
      if (dirs.putIfAbsent(name, location) != null) {
        throw new UsageException("--destination " + name + " given twice");
      }
      Destination destination;
      String identity;
      String kind;
      if (AzureLocations.isAzure(location)) {
        AzureLocations.Location azure = AzureLocations.parse("--destination " + name, location, false, env);
        destination = new AzureBlobDestination(azure.container());
        // The container's URL (host, port, account, container): two emulators on one host differ by port.
        identity = azure.container().getBlobContainerUrl();
        kind = "container";
      } else {
        FileSystemDestination local;
        try {
          local = new FileSystemDestination(Path.of(location));
        } catch (InvalidInputException e) {
          throw new UsageException("--destination " + name + ": " + e.getMessage().replace("'directory' ", "directory "));
        }
        destination = local;
        identity = realPath(local.directory()).toString();
        kind = "directory";
      }
      String other = byLocation.putIfAbsent(identity, name);
      if (other != null) {
        throw new UsageException("--destination " + name + ": same " + kind + " as " + other
            + "; a second copy must live somewhere else");
      }
      if (destination instanceof FileSystemDestination local) {
        // By device and inode, not by name: a bind mount or a symlinked subdirectory is the same place.
        for (Target t : out) {
          if (t.destination() instanceof FileSystemDestination earlier) {
            LocalDirectories.Relation r = relation(local.directory(), earlier.directory(), "--destination " + name);
            if (r != LocalDirectories.Relation.APART) {
              throw new UsageException("--destination " + name + " (" + local.directory() + ") " + r.phrase()
                  + " --destination " + t.name() + " (" + earlier.directory() + ")"
                  + (r == LocalDirectories.Relation.SAME ? "; a second copy must live somewhere else"
                      : "; one copy must not be written inside another"));
            }
          }
        }
      }
      boolean required = !optional.contains(name) && !optionalInLog.contains(name);
      out.add(new Target(name, location, required, destination, kind.equals("container") ? identity : null));
    }
    for (String name : optional) {
      if (!dirs.containsKey(name)) {
        throw new UsageException("--optional " + name + ": no --destination " + name + "=DIR was given");
      }
    }
    if (out.stream().noneMatch(Target::required)) {
      throw new UsageException("--optional: at least one destination must be required");
    }
    return new Targets(out);
  }

  /**
   * Refuses a source directory or a log that overlaps a destination (or each other): a log inside
   * a destination would be replaced by a pushed key at the same relative path, a destination inside
   * the source would have its copies pushed again on every run, the source as a destination would
   * count the original as a copy. Compared by device and inode (bind mounts, symlinks).
   *
   * @param source the real path of {@code SOURCE_DIR}, or null for commands without one
   */
  void requireApart(Path source, LogLocation log) {
    Path logDir = log.directory();
    for (Target t : targets) {
      if (t.destination() instanceof FileSystemDestination local) {
        Path dir = local.directory();
        String what = "--destination " + t.name() + " (" + dir + ")";
        if (source != null) {
          switch (relation(dir, source, what)) {
            case SAME -> throw new UsageException(what + " is SOURCE_DIR itself; a copy must live somewhere else");
            case INSIDE -> throw new UsageException(what + " is inside SOURCE_DIR (" + source
                + "); its copies would be pushed again as data on every run");
            case CONTAINS -> throw new UsageException("SOURCE_DIR (" + source + ") is inside " + what
                + "; pushed copies could overwrite the source");
            default -> { }
          }
        }
        if (logDir != null) {
          LocalDirectories.Relation r = relation(logDir, dir, "--log");
          if (r != LocalDirectories.Relation.APART) {
            throw new UsageException("--log " + log + " " + r.phrase() + " " + what
                + "; a pushed key at the same relative path would replace the transaction log");
          }
        }
      } else if (log.containerUrl() != null && log.containerUrl().equals(identityOf(t))) {
        throw new UsageException("--log " + log + " is in the container of --destination " + t.name()
            + "; a pushed key under the log's prefix would replace the transaction log");
      }
    }
    if (source != null && logDir != null) {
      LocalDirectories.Relation r = relation(logDir, source, "--log");
      if (r != LocalDirectories.Relation.APART) {
        throw new UsageException("--log " + log + " " + r.phrase() + " SOURCE_DIR (" + source + ")"
            + "; the log would be pushed as data, or the source written into the log's directory");
      }
    }
  }

  private static String identityOf(Target t) {
    return t.destination() instanceof AzureBlobDestination ? t.containerUrl() : null;
  }

  private static LocalDirectories.Relation relation(Path a, Path b, String what) {
    try {
      return LocalDirectories.relation(a, b);
    } catch (IOException e) {
      throw new UsageException(what + ": cannot resolve " + a + " or " + b + ": " + e.getMessage());
    }
  }

  private static Path realPath(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  List<Target> all() {
    return targets;
  }

  Set<String> names() {
    Set<String> names = new LinkedHashSet<>();
    targets.forEach(t -> names.add(t.name()));
    return names;
  }

  /** Fails naming the first destination the log writes to that was not given. */
  void requireCovering(Set<String> namesInLog) {
    for (String name : namesInLog) {
      if (!names().contains(name)) {
        throw new UsageException("--destination: the log records copies at '" + name
            + "'; give --destination " + name + "=DIR as well");
      }
    }
  }

  DualPushClientBuilder addTo(DualPushClientBuilder builder, Optional<Duration> timeout) {
    return addTo(builder, timeout, Map.of());
  }

  /** As {@link #addTo(DualPushClientBuilder, Optional)}, with the region of each destination that has one. */
  DualPushClientBuilder addTo(DualPushClientBuilder builder, Optional<Duration> timeout, Map<String, String> regions) {
    for (Target t : targets) {
      DestinationOptions.Builder options = DestinationOptions.builder(t.name()).required(t.required());
      String region = regions.get(t.name());
      if (region != null) {
        options.region(region);
      }
      timeout.ifPresent(options::timeout);
      builder.destination(options.build(), t.destination());
    }
    return builder;
  }

  /** Opens the log named by {@code --log} read-only, failing with a usage error when there is none. */
  static TransactionLog existingLog(CliArgs args, Function<String, String> env) {
    return LogLocation.parse(args, env).openExisting();
  }
}
