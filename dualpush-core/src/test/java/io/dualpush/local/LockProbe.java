package io.dualpush.local;

import io.dualpush.DualPushException;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link FileTransactionLogLockIT}: tries to open the log in the directory
 * given as the only argument and prints {@code OPENED} or {@code REFUSED: <message>}.
 */
public final class LockProbe {
  private LockProbe() {}

  public static void main(String[] args) {
    try (FileTransactionLog log = FileTransactionLog.open(Path.of(args[0]))) {
      System.out.println("OPENED");
    } catch (DualPushException e) {
      System.out.println("REFUSED: " + e.getMessage());
    }
  }
}
