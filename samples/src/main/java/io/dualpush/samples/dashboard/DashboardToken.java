package io.dualpush.samples.dashboard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The bearer token that state-changing requests must carry: from a file's first line, the environment variable
 * {@value #ENV}, or generated (32 random bytes, URL-safe Base64) and written to {@code DIR/dashboard.token} readable
 * by its owner only. Immutable and thread-safe. {@link #toString()} never shows the token.
 */
final class DashboardToken {
  /** The environment variable that may hold the token. */
  static final String ENV = "DUALPUSH_DASHBOARD_TOKEN";
  /** The generated token's file name, under the dashboard's directory. */
  static final String FILE_NAME = "dashboard.token";

  private final byte[] token;
  private final String source;

  private DashboardToken(String token, String source) {
    if (token.isBlank()) {
      throw new IllegalArgumentException("the dashboard token from " + source + " is empty");
    }
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.source = source;
  }

  /**
   * Loads or generates the token.
   *
   * @param tokenFile the file named by {@code --token-file}, if any
   * @param env reads an environment variable (null when unset)
   * @param dir the directory a generated token is written to
   */
  static DashboardToken load(Optional<Path> tokenFile, Function<String, String> env, Path dir) {
    try {
      if (tokenFile.isPresent()) {
        List<String> lines = Files.readAllLines(tokenFile.get(), StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
          throw new IllegalArgumentException("--token-file " + tokenFile.get() + " is empty");
        }
        return new DashboardToken(lines.get(0).strip(), tokenFile.get().toString());
      }
      String fromEnv = env.apply(ENV);
      if (fromEnv != null && !fromEnv.isBlank()) {
        return new DashboardToken(fromEnv.strip(), "env:" + ENV);
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Path file = dir.resolve(FILE_NAME);
      Files.deleteIfExists(file);
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
      Files.writeString(file, generated + "\n", StandardCharsets.UTF_8);
      return new DashboardToken(generated, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the dashboard token: " + e.getMessage(), e);
    }
  }

  /** Where the token came from: a file's path, or {@code env:NAME}. Not a secret. */
  String source() {
    return source;
  }

  /** Compares in time independent of where the first difference lies. */
  boolean matches(String candidate) {
    if (candidate == null) {
      return false;
    }
    return MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "DashboardToken[from " + source + "]";
  }
}
