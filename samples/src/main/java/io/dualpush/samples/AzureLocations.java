package io.dualpush.samples;

import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import java.net.URI;
import java.util.function.Function;

/**
 * Turns the CLI's Azure locations into container clients, without ever taking a secret from the
 * command line:
 * <ul>
 *   <li>{@code azure:https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]} — the container at
 *       that URL, signed in with {@code DefaultAzureCredential} (environment variables of a service
 *       principal, a workload or managed identity, or {@code az login});</li>
 *   <li>{@code azure-env:ENV_VAR/CONTAINER[/PREFIX]} — the account whose connection string is in
 *       the environment variable {@code ENV_VAR} (an Azurite or SAS connection string works too).</li>
 * </ul>
 * A {@code PREFIX} is only allowed where the caller asks for one (the transaction log).
 */
final class AzureLocations {
  static final String AZURE = "azure:";
  static final String AZURE_ENV = "azure-env:";

  /** A container and, for a log, the prefix inside it. */
  record Location(BlobContainerClient container, String prefix) {}

  private AzureLocations() {}

  static boolean isAzure(String spec) {
    return spec.startsWith(AZURE) || spec.startsWith(AZURE_ENV);
  }

  /**
   * @param option the option being parsed, for messages ({@code --destination primary})
   * @param withPrefix whether a path after the container is expected (required) or refused
   */
  static Location parse(String option, String spec, boolean withPrefix, Function<String, String> env) {
    String what = withPrefix ? "CONTAINER/PREFIX" : "CONTAINER";
    if (spec.startsWith(AZURE_ENV)) {
      String rest = spec.substring(AZURE_ENV.length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        throw new UsageException(option + ": expected azure-env:ENV_VAR/" + what + ", got '" + spec + "'");
      }
      String variable = rest.substring(0, slash);
      String[] parts = split(option, spec, rest.substring(slash + 1), withPrefix, "azure-env:ENV_VAR/" + what);
      String connectionString = env.apply(variable);
      if (connectionString == null || connectionString.isBlank()) {
        throw new UsageException(option + ": environment variable " + variable
            + " is not set or empty; it must hold the storage account's connection string");
      }
      try {
        BlobContainerClient container = new BlobContainerClientBuilder()
            .connectionString(connectionString)
            .containerName(parts[0])
            .buildClient();
        return new Location(container, parts[1]);
      } catch (RuntimeException e) {
        // The SDK's message may quote the connection string: say only which variable is wrong.
        throw new UsageException(option + ": environment variable " + variable
            + " does not hold a valid storage connection string (or '" + parts[0] + "' is not a valid container name)");
      }
    }
    String url = spec.substring(AZURE.length());
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      // Never echo what follows a '?' or an '@': it may be a SAS signature or a password.
      String shown = url.split("[?@]", 2)[0];
      throw new UsageException(option + ": not a URL: '" + shown + (shown.length() < url.length() ? "...'" : "'"));
    }
    if (uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
      throw new UsageException(option + ": the URL must not carry credentials (a SAS query or user info); "
          + "put a SAS connection string in an environment variable and use azure-env:ENV_VAR/" + what);
    }
    if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new UsageException(option + ": expected azure:https://ACCOUNT.blob.core.windows.net/" + what + ", got '"
          + spec + "'");
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/+", "");
    String[] parts = split(option, spec, path, withPrefix, "azure:https://ACCOUNT.blob.core.windows.net/" + what);
    String endpoint = uri.getScheme() + "://" + uri.getRawAuthority() + "/" + parts[0];
    try {
      BlobContainerClient container = new BlobContainerClientBuilder()
          .endpoint(endpoint)
          .credential(new DefaultAzureCredentialBuilder().build())
          .buildClient();
      return new Location(container, parts[1]);
    } catch (RuntimeException e) {
      throw new UsageException(option + ": cannot use '" + endpoint + "': " + e.getMessage());
    }
  }

  /** {@code [container, prefix]} from the path after the account. */
  private static String[] split(String option, String spec, String path, boolean withPrefix, String form) {
    String trimmed = path.replaceAll("/+$", "");
    int slash = trimmed.indexOf('/');
    String container = slash < 0 ? trimmed : trimmed.substring(0, slash);
    String prefix = slash < 0 ? "" : trimmed.substring(slash + 1);
    if (container.isEmpty() || withPrefix == prefix.isEmpty()) {
      throw new UsageException(option + ": expected " + form + ", got '" + spec + "'");
    }
    return new String[] {container, prefix};
  }
}
