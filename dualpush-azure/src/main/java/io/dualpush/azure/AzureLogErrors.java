package io.dualpush.azure;

import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import io.dualpush.DualPushException;
import io.dualpush.TransactionLogUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

/**
 * How a failed call of an Azure-backed log becomes a {@link DualPushException}: transient (408,
 * 429, 5xx, I/O: retry later) or permanent (authentication, authorization, a missing container),
 * never with a secret (guarantee G9). Shared by the log's lease and its segment store so both say
 * the same thing for the same failure.
 */
final class AzureLogErrors {
  private AzureLogErrors() {}

  /** Whether the service may answer differently later: throttled, timed out or unavailable. */
  static boolean isTransient(BlobStorageException e) {
    int status = e.getStatusCode();
    return status == 408 || status == 429 || status >= 500;
  }

  /**
   * A {@link TransactionLogUnavailableException} for a failed call (the log's storage failed it: an
   * environment failure, not bad input), saying whether retrying later may help; a
   * {@link DualPushException} is returned as it is.
   *
   * @param description the log, {@code azure:ACCOUNT/CONTAINER/PREFIX}
   * @param containerName the container, named when it is missing
   * @param operation what was attempted, such as {@code "append to"}
   * @param e what the call threw
   */
  static DualPushException failure(String description, String containerName, String operation, RuntimeException e) {
    if (e instanceof DualPushException d) {
      return d;
    }
    String what = "Cannot " + operation + " transaction log " + description + ": ";
    if (e instanceof BlobStorageException b) {
      int status = b.getStatusCode();
      String detail = "HTTP " + status + (b.getErrorCode() == null ? "" : " " + b.getErrorCode());
      String hint;
      if (isTransient(b)) {
        hint = " (transient: throttled, timed out or unavailable; retry later)";
      } else if (status == 404 && BlobErrorCode.CONTAINER_NOT_FOUND.equals(b.getErrorCode())) {
        hint = " (permanent: container '" + containerName + "' does not exist)";
      } else if (status == 401 || status == 403) {
        hint = " (permanent: authentication or authorization failed; check the client's credential)";
      } else {
        hint = " (permanent)";
      }
      return new TransactionLogUnavailableException(what + detail + hint, description, Scrub.of(e));
    }
    Throwable root = e;
    for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 20; depth++) {
      root = root.getCause();
    }
    // A call that timed out (the client's timeout, or the store's own bound on an append) is as
    // transient as one that could not connect.
    boolean io = root instanceof IOException || root instanceof TimeoutException || e instanceof UncheckedIOException;
    return new TransactionLogUnavailableException(what + root.getClass().getSimpleName()
        + (root.getMessage() == null ? "" : ": " + Scrub.text(root.getMessage()))
        + (io ? " (transient: the service could not be reached; retry later)" : ""), description, Scrub.of(e));
  }
}
