package io.dualpush.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.testkit.HttpObjectServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("HttpReader")
class HttpReaderTest {
  private static HttpReader reader(String base) {
    return new HttpReader(HttpClient.newHttpClient(), ReadEndpoint.http("e", URI.create(base)), Duration.ofSeconds(1),
        java.util.concurrent.ForkJoinPool.commonPool());
  }

  @Test
  @DisplayName("puts the key under the base path, percent-encoded per segment, with the base's query string")
  void resolves() {
    assertThat(reader("https://acct.example.org/container?sv=2024&sig=abc%2B").resolve("a b/ü/c+d.csv"))
        .hasToString("https://acct.example.org/container/a%20b/%C3%BC/c%2Bd.csv?sv=2024&sig=abc%2B");
    assertThat(reader("http://127.0.0.1:8080").resolve("k")).hasToString("http://127.0.0.1:8080/k");
    assertThat(reader("http://127.0.0.1:8080/data/").resolve("x/y")).hasToString("http://127.0.0.1:8080/data/x/y");
  }

  @Test
  @DisplayName("scrubs the base URL's query string, raw or decoded, from a failure's description")
  void redacts() {
    HttpReader r = reader("https://acct.example.org/c?sv=2024&sig=abc%2Bdef");
    String text = r.describeFailure(new java.io.IOException(
        "failed https://acct.example.org/c/k?sv=2024&sig=abc%2Bdef and sv=2024&sig=abc+def"));
    assertThat(text).doesNotContain("abc").contains("<redacted>");
    assertThat(ReadEndpoint.http("e", URI.create("https://acct.example.org/c?sig=topsecret")).describe())
        .doesNotContain("topsecret").isEqualTo("https://acct.example.org/c?<redacted>");
  }

  @Test
  @DisplayName("refuses a body over the buffer limit, announced or not, without failing over")
  void tooLarge() {
    try (HttpObjectServer server = HttpObjectServer.start().put("big", new byte[64 * 1024]);
         FailoverReadClient client = new FailoverReadClientBuilder().httpEndpoint("e", server.baseUri())
             .bufferLimit(1024).buildClient()) {
      assertThatThrownBy(() -> client.read("big")).isInstanceOf(ObjectTooLargeException.class);
    }
  }
}
