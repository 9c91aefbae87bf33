package io.dualpush.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Scrub")
class ScrubTest {
  @Test
  @DisplayName("account keys, SAS signatures and authorization headers are redacted")
  void redacts() {
    String text = Scrub.text("DefaultEndpointsProtocol=https;AccountName=gold;AccountKey=c2VjcmV0a2V5;EndpointSuffix=x "
        + "https://gold.blob.example/c/k?sv=2023-11-03&se=2099&sig=abc%2Bdef%3D&comp=list "
        + "Authorization: SharedKey gold:c2lnbmF0dXJl");
    assertThat(text).doesNotContain("c2VjcmV0a2V5").doesNotContain("abc%2Bdef").doesNotContain("c2lnbmF0dXJl")
        .contains("AccountName=gold").contains("comp=list");
  }

  @Test
  @DisplayName("an exception chain is copied with scrubbed messages, class names and stack traces kept")
  void chain() {
    RuntimeException original = new RuntimeException("outer AccountKey=SECRET1;",
        new IOException("inner https://a/b?sig=SECRET2"));
    Scrub.ScrubbedException copy = Scrub.of(original);
    assertThat(copy.toString()).startsWith("java.lang.RuntimeException").doesNotContain("SECRET1");
    assertThat(copy.getCause().toString()).startsWith("java.io.IOException").doesNotContain("SECRET2");
    assertThat(copy.getStackTrace()).isEqualTo(original.getStackTrace());
  }
}
