package io.dualpush.samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed arguments of one command: positionals, options with values ({@code --log DIR} or
 * {@code --log=DIR}, some repeatable) and flags ({@code --json}). Unknown options are usage errors.
 */
final class CliArgs {
  private final String command;
  private final List<String> positionals = new ArrayList<>();
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  private CliArgs(String command) {
    this.command = command;
  }

  /**
   * @param valued options that take a value; {@code repeatable} is the subset that may repeat
   * @param flags options that take none
   */
  static CliArgs parse(String command, List<String> args, Set<String> valued, Set<String> repeatable,
      Set<String> flags) {
    CliArgs parsed = new CliArgs(command);
    boolean optionsDone = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (optionsDone || !arg.startsWith("--")) {
        parsed.positionals.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        optionsDone = true;
        continue;
      }
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (flags.contains(name)) {
        if (value != null) {
          throw new UsageException(name + " takes no value");
        }
        parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
        continue;
      }
      if (!valued.contains(name)) {
        throw new UsageException("unknown option " + name + " for '" + command + "' (see: help)");
      }
      if (value == null) {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
          throw new UsageException(name + " needs a value");
        }
        value = args.get(++i);
      }
      List<String> list = parsed.values.computeIfAbsent(name, k -> new ArrayList<>());
      if (!list.isEmpty() && !repeatable.contains(name)) {
        throw new UsageException(name + " given twice");
      }
      list.add(value);
    }
    return parsed;
  }

  List<String> positionals() {
    return positionals;
  }

  boolean flag(String name) {
    return values.containsKey(name);
  }

  List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  String optional(String name) {
    List<String> v = values.get(name);
    return v == null ? null : v.get(0);
  }

  String required(String name) {
    String v = optional(name);
    if (v == null || v.isBlank()) {
      throw new UsageException(name + " is required for '" + command + "'");
    }
    return v;
  }

  int intValue(String name, int defaultValue, int min, int max) {
    String v = optional(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) {
        throw new UsageException(name + " must be between " + min + " and " + max + ", got " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(name + " must be a whole number, got '" + v + "'");
    }
  }
}
