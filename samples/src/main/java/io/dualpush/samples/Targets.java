package io.dualpush.samples;

import io.dualpush.DestinationOptions;
import io.dualpush.DualPushClientBuilder;
import io.dualpush.InvalidInputException;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.local.FileTransactionLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --destination NAME=DIR ...} and {@code --optional NAME ...} options: checked all
 * together, before anything is written.
 */
final class Targets {
  /** One destination given on the command line. */
  record Target(String name, Path directory, boolean required, FileSystemDestination destination) {}

  private final List<Target> targets;

  private Targets(List<Target> targets) {
    this.targets = List.copyOf(targets);
  }

  /**
   * @param optionalInLog names the log records as optional destinations (for repair and verify);
   *     they stay optional without {@code --optional}
   */
  static Targets parse(CliArgs args, Set<String> optionalInLog) {
    List<String> specs = args.all("--destination");
    if (specs.isEmpty()) {
      throw new UsageException("--destination NAME=DIR is required (give one per region)");
    }
    Map<String, Path> dirs = new LinkedHashMap<>();
    Map<Path, String> byRealDir = new LinkedHashMap<>();
    List<Target> out = new ArrayList<>();
    Set<String> optional = new LinkedHashSet<>(args.all("--optional"));
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new UsageException("--destination: expected NAME=DIR, got '" + spec + "'");
      }
      String name = spec.substring(0, eq).trim();
      Path dir = Path.of(spec.substring(eq + 1).trim());
      try {
        DestinationOptions.builder(name).build();
      } catch (InvalidInputException e) {
        throw new UsageException("--destination " + name + ": " + e.getMessage());
      }
      if (dirs.putIfAbsent(name, dir) != null) {
        throw new UsageException("--destination " + name + " given twice");
      }
      FileSystemDestination destination;
      try {
        destination = new FileSystemDestination(dir);
      } catch (InvalidInputException e) {
        throw new UsageException("--destination " + name + ": " + e.getMessage().replace("'directory' ", "directory "));
      }
      String other = byRealDir.putIfAbsent(realPath(destination.directory()), name);
      if (other != null) {
        throw new UsageException("--destination " + name + ": same directory as " + other
            + "; a second copy must live somewhere else");
      }
      boolean required = !optional.contains(name) && !optionalInLog.contains(name);
      out.add(new Target(name, dir, required, destination));
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

  DualPushClientBuilder addTo(DualPushClientBuilder builder) {
    for (Target t : targets) {
      builder.destination(DestinationOptions.builder(t.name()).required(t.required()).build(), t.destination());
    }
    return builder;
  }

  /** Opens the log named by {@code --log} read-only, failing with a usage error when there is none. */
  static FileTransactionLog existingLog(CliArgs args) {
    Path log = Path.of(args.required("--log"));
    try {
      return FileTransactionLog.openReadOnly(log);
    } catch (InvalidInputException e) {
      throw new UsageException("--log: no transaction log in " + log.toAbsolutePath().normalize());
    }
  }
}
