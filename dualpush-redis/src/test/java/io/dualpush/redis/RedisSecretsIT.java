package io.dualpush.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.DestinationException;
import io.dualpush.testkit.RedisExtension;
import io.dualpush.testkit.RedisServerProcess;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * G9: a Redis password set through the caller's {@link RedisURI} appears in no exception (message,
 * cause or stack trace), no {@code toString()}/{@code describe()} of the stores, and no log line
 * (the console output of slf4j-simple, where Lettuce and dualpush log, is captured).
 */
@DisplayName("G9: Redis passwords stay out of exceptions, descriptions and logs")
class RedisSecretsIT {
  @RegisterExtension static RedisExtension server =
      new RedisExtension(RedisServerProcess.builder("secrets").tls(true).password(true));
  private static final String WRONG = "wrong-Secret-" + Long.toHexString(System.nanoTime());

  private final List<RedisClient> clients = new ArrayList<>();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream err;
  private PrintStream out;

  @BeforeEach
  void captureConsole() {
    err = System.err;
    out = System.out;
    PrintStream both = new PrintStream(new TeeStream(captured, err), true, StandardCharsets.UTF_8);
    System.setErr(both);
    System.setOut(new PrintStream(new TeeStream(captured, out), true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreConsole() {
    System.setErr(err);
    System.setOut(out);
    clients.forEach(c -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)));
    assertNoSecret(captured.toString(StandardCharsets.UTF_8), "console output");
  }

  /** Writes to the capture and to the real stream, so failures still show output. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }

  private static List<String> secrets() {
    return List.of(server.password().orElseThrow(), server.userPassword().orElseThrow(), WRONG);
  }

  private static void assertNoSecret(String text, String where) {
    for (String secret : secrets()) {
      assertThat(text).as(where).doesNotContain(secret);
    }
  }

  private static void assertNoSecret(Throwable thrown) {
    StringWriter trace = new StringWriter();
    thrown.printStackTrace(new PrintWriter(trace));
    assertNoSecret(trace.toString(), "stack trace with causes");
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      assertNoSecret(String.valueOf(t.getMessage()), "message of " + t.getClass().getName());
    }
  }

  private RedisClient client(int port, String user, String password) {
    RedisURI uri = RedisURI.builder().withHost(server.host()).withPort(port).withSsl(true)
        .withAuthentication(user, password).withTimeout(Duration.ofSeconds(3)).build();
    RedisClient client = RedisClient.create(uri);
    client.setOptions(ClientOptions.builder()
        .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(server.caCertificate().orElseThrow().toFile()).build())
        .build());
    clients.add(client);
    return client;
  }

  @Nested
  @DisplayName("a failed authentication")
  class FailedAuth {
    @Test
    @DisplayName("with a wrong ACL password: the stores' builders fail without the password anywhere")
    void wrongAclPassword() {
      RedisClient client = client(server.port(), server.username().orElseThrow(), WRONG);
      assertThatThrownBy(() -> RedisLeaseStore.builder().client(client).build())
          .isInstanceOfSatisfying(DestinationException.class, e -> {
            assertThat(e.getMessage()).contains("cannot connect to Redis");
            assertThat(e.getCause()).isNotNull();
            assertNoSecret(e);
          });
      assertThatThrownBy(() -> RedisDedupeStore.builder().client(client).build())
          .isInstanceOfSatisfying(DestinationException.class, RedisSecretsIT::assertNoSecret);
    }

    @Test
    @DisplayName("with a wrong default-user password (requirepass): no password anywhere")
    void wrongDefaultPassword() {
      RedisClient client = client(server.port(), "default", WRONG);
      assertThatThrownBy(() -> RedisDedupeStore.builder().client(client).build())
          .isInstanceOfSatisfying(DestinationException.class, RedisSecretsIT::assertNoSecret);
    }
  }

  @Test
  @DisplayName("a failed connection with the right password (nothing listens) shows no password")
  void failedConnection() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    RedisClient client = client(closed, server.username().orElseThrow(), server.userPassword().orElseThrow());
    assertThatThrownBy(() -> RedisLeaseStore.builder().client(client).build())
        .isInstanceOfSatisfying(DestinationException.class, RedisSecretsIT::assertNoSecret);
  }

  @Test
  @DisplayName("working stores, their toString and describe, and a failure while the server is stopped show no password")
  void workingStores() throws Exception {
    RedisClient client = client(server.port(), server.username().orElseThrow(), server.userPassword().orElseThrow());
    try (RedisLeaseStore leases = RedisLeaseStore.builder().client(client).timeout(Duration.ofSeconds(2)).build();
        RedisDedupeStore dedupe = RedisDedupeStore.builder().client(client).timeout(Duration.ofSeconds(2)).build()) {
      assertThat(leases.acquire("g9", "region-a", Duration.ofSeconds(5))).isPresent();
      assertThat(dedupe.claim("g9-message", Duration.ofSeconds(5)).status()).isNotNull();
      for (String text : List.of(leases.toString(), leases.describe(), dedupe.toString(), dedupe.describe(),
          server.toString())) {
        assertNoSecret(text, "description");
      }
      server.stop();
      assertThatThrownBy(() -> leases.current("g9")).isInstanceOfSatisfying(DestinationException.class,
          RedisSecretsIT::assertNoSecret);
      assertThatThrownBy(() -> dedupe.claim("g9-other", Duration.ofSeconds(5)))
          .isInstanceOfSatisfying(DestinationException.class, RedisSecretsIT::assertNoSecret);
      server.start();
    }
  }
}
