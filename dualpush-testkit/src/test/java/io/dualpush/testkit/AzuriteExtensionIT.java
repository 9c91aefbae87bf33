package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

@DisplayName("AzuriteExtension")
class AzuriteExtensionIT {
  @RegisterExtension static AzuriteExtension east = new AzuriteExtension("eastus2");
  @RegisterExtension static AzuriteExtension west = new AzuriteExtension("westus2");

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static int status(AzuriteExtension azurite) throws IOException, InterruptedException {
    HttpRequest list = HttpRequest.newBuilder(URI.create(azurite.blobEndpoint() + "?comp=list"))
        .timeout(Duration.ofSeconds(5)).GET().build();
    return HTTP.send(list, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  @DisplayName("two instances run side by side on their own loopback ports and answer HTTP")
  void twoInstances() throws Exception {
    assertThat(east.port()).isNotEqualTo(west.port());
    assertThat(east.blobEndpoint()).isEqualTo("http://127.0.0.1:" + east.port() + "/devstoreaccount1");
    // Unauthenticated: refused by the storage service itself, which proves it is Azurite answering.
    assertThat(status(east)).isEqualTo(403);
    assertThat(status(west)).isEqualTo(403);
    assertThat(Files.isDirectory(east.dataDirectory())).isTrue();
    assertThat(east.dataDirectory()).isNotEqualTo(west.dataDirectory());
  }

  @Test
  @DisplayName("stop takes the port down and start brings it back on the same port and data directory")
  void stopAndRestart() throws Exception {
    int port = west.port();
    var data = west.dataDirectory();
    west.stop();
    assertThat(west.isRunning()).isFalse();
    assertThatThrownBy(() -> status(west)).isInstanceOf(ConnectException.class);
    assertThat(status(east)).as("the other region is untouched").isEqualTo(403);
    west.start();
    assertThat(west.isRunning()).isTrue();
    assertThat(west.port()).isEqualTo(port);
    assertThat(west.dataDirectory()).isEqualTo(data);
    assertThat(status(west)).isEqualTo(403);
  }

  @Test
  @DisplayName("the connection string names the endpoint; toString never shows the key")
  void connectionString() {
    assertThat(east.connectionString())
        .contains("AccountName=devstoreaccount1")
        .contains("BlobEndpoint=" + east.blobEndpoint());
    assertThat(east.toString()).contains("eastus2").doesNotContain(east.accountKey()).doesNotContain("AccountKey");
  }

  @Test
  @DisplayName("names that are not safe in a directory name are refused")
  void badName() {
    assertThatThrownBy(() -> new AzuriteExtension("../x")).isInstanceOf(IllegalArgumentException.class);
  }
}
