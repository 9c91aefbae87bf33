package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.InvalidInputException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("AzureBlobOptions")
class AzureBlobOptionsTest {
  @Test
  @DisplayName("defaults: 4 MiB blocks, 4 in flight, single-shot below 4 MiB")
  void defaults() {
    AzureBlobOptions o = AzureBlobOptions.ofDefaults();
    assertThat(o.blockSize()).isEqualTo(4L * 1024 * 1024);
    assertThat(o.maxConcurrency()).isEqualTo(4);
    assertThat(o.singleShotThreshold()).isEqualTo(4L * 1024 * 1024);
  }

  @Test
  @DisplayName("out-of-range values are refused naming the field")
  void ranges() {
    assertThatThrownBy(() -> AzureBlobOptions.builder().blockSize(1024)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("blockSize");
    assertThatThrownBy(() -> AzureBlobOptions.builder().blockSize(AzureBlobOptions.MAX_BUFFER + 1))
        .hasMessageContaining("blockSize");
    assertThatThrownBy(() -> AzureBlobOptions.builder().maxConcurrency(0)).hasMessageContaining("maxConcurrency");
    assertThatThrownBy(() -> AzureBlobOptions.builder().singleShotThreshold(-1)).hasMessageContaining("singleShotThreshold");
  }

  @Test
  @DisplayName("a setting given twice fails at once")
  void once() {
    assertThatThrownBy(() -> AzureBlobOptions.builder().maxConcurrency(2).maxConcurrency(3))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("maxConcurrency was already set to 2");
  }
}
