package io.dualpush.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Parsing of the CLI's Azure locations; nothing here talks to a service. */
class AzureLocationsTest {
  private static final String CONNECTION = "DefaultEndpointsProtocol=https;AccountName=contoso;"
      + "AccountKey=c2VjcmV0LWtleS1ub3QtcmVhbA==;EndpointSuffix=core.windows.net";

  @Test
  @DisplayName("azure-env:VAR/CONTAINER reads the connection string from the variable")
  void fromEnvironment() {
    AzureLocations.Location l = AzureLocations.parse("--destination dr", "azure-env:DR/gold", false, Map.of("DR", CONNECTION)::get);
    assertThat(l.container().getBlobContainerName()).isEqualTo("gold");
    assertThat(l.container().getAccountName()).isEqualTo("contoso");
    assertThat(l.prefix()).isEmpty();
  }

  @Test
  @DisplayName("azure:URL/CONTAINER/PREFIX for a log keeps the prefix")
  void urlWithPrefix() {
    AzureLocations.Location l = AzureLocations.parse("--log", "azure:https://contoso.blob.core.windows.net/logs/jobs/nightly",
        true, Map.<String, String>of()::get);
    assertThat(l.container().getBlobContainerName()).isEqualTo("logs");
    assertThat(l.prefix()).isEqualTo("jobs/nightly");
  }

  @Test
  @DisplayName("a URL carrying a SAS is refused without repeating it")
  void sasInUrlRefused() {
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr",
        "azure:https://contoso.blob.core.windows.net/gold?sv=2023&sig=c2VjcmV0", false, Map.<String, String>of()::get))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("must not carry credentials")
        .hasMessageNotContaining("c2VjcmV0");
  }

  @Test
  @DisplayName("a malformed URL with a SAS is refused without repeating the signature")
  void malformedUrlWithSas() {
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr",
        "azure:https://contoso.blob.core.windows.net/gold?sv=2023&sig=c2Vj cmV0", false, Map.<String, String>of()::get))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("not a URL")
        .hasMessageNotContaining("sig=")
        .hasMessageNotContaining("c2Vj");
  }

  @Test
  @DisplayName("an unset or empty variable is named, a bad value is not shown")
  void variableProblems() {
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr", "azure-env:DR/gold", false, Map.<String, String>of()::get))
        .isInstanceOf(UsageException.class).hasMessageContaining("DR").hasMessageContaining("not set or empty");
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr", "azure-env:DR/gold", false, Map.of("DR", " ")::get))
        .isInstanceOf(UsageException.class).hasMessageContaining("not set or empty");
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr", "azure-env:DR/gold", false,
        Map.of("DR", "AccountKey=c2VjcmV0;garbage")::get))
        .isInstanceOf(UsageException.class).hasMessageContaining("DR").hasMessageNotContaining("c2VjcmV0");
  }

  @Test
  @DisplayName("a destination takes no prefix and a log needs one")
  void prefixRules() {
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr", "azure-env:DR/gold/extra", false, Map.of("DR", CONNECTION)::get))
        .isInstanceOf(UsageException.class).hasMessageContaining("azure-env:ENV_VAR/CONTAINER");
    assertThatThrownBy(() -> AzureLocations.parse("--log", "azure-env:DR/gold", true, Map.of("DR", CONNECTION)::get))
        .isInstanceOf(UsageException.class).hasMessageContaining("CONTAINER/PREFIX");
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr", "azure-env:/gold", false, Map.of("DR", CONNECTION)::get))
        .isInstanceOf(UsageException.class);
    assertThatThrownBy(() -> AzureLocations.parse("--destination dr", "azure:ftp://x/gold", false, Map.<String, String>of()::get))
        .isInstanceOf(UsageException.class);
  }
}
