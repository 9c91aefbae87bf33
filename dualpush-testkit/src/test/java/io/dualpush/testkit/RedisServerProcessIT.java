package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The Redis launcher against real redis-server processes, spoken to in plain RESP so the testkit needs no client. */
@DisplayName("RedisServerProcess")
class RedisServerProcessIT {

  /** Sends one inline command and reads one reply line (bulk replies: the line after the length). */
  private static String call(Socket s, String command) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    String line = in.readLine();
    if (line != null && line.startsWith("$") && !line.equals("$-1")) {
      return in.readLine();
    }
    return line;
  }

  private static Socket plain(RedisServerProcess redis, int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(redis.host(), port), 2000);
    s.setSoTimeout(2000);
    return s;
  }

  @Nested
  @DisplayName("a standalone server")
  class Standalone {
    @Test
    @DisplayName("answers PING, and after stop its process is gone and its port closed")
    void startAndStop() throws Exception {
      try (RedisServerProcess redis = RedisServerProcess.builder("plain").build()) {
        redis.start();
        assertThat(redis.uri()).isEqualTo("redis://127.0.0.1:" + redis.port());
        try (Socket s = plain(redis, redis.port())) {
          assertThat(call(s, "PING")).isEqualTo("+PONG");
        }
        assertThat(Files.readString(redis.directory().resolve("redis.log"))).contains("Ready to accept connections");
        redis.stop();
        assertThat(redis.isRunning()).isFalse();
        assertThatThrownBy(() -> plain(redis, redis.port()).close()).isInstanceOf(IOException.class);
      }
    }

    @Test
    @DisplayName("restart keeps the port and loses the data when persistence is off")
    void restartLosesData() throws Exception {
      try (RedisServerProcess redis = RedisServerProcess.builder("restart").build()) {
        redis.start();
        int port = redis.port();
        try (Socket s = plain(redis, port)) {
          assertThat(call(s, "SET k v")).isEqualTo("+OK");
        }
        redis.restart();
        assertThat(redis.port()).isEqualTo(port);
        try (Socket s = plain(redis, port)) {
          assertThat(call(s, "GET k")).isEqualTo("$-1");
        }
      }
    }

    @Test
    @DisplayName("restart keeps the data when persistence is on")
    void restartKeepsPersistedData() throws Exception {
      try (RedisServerProcess redis = RedisServerProcess.builder("aof").persistence(true).build()) {
        redis.start();
        try (Socket s = plain(redis, redis.port())) {
          assertThat(call(s, "SET k v")).isEqualTo("+OK");
        }
        redis.restart();
        try (Socket s = plain(redis, redis.port())) {
          assertThat(call(s, "GET k")).isEqualTo("v");
        }
      }
    }

    @Test
    @DisplayName("pause leaves calls unanswered until resume")
    void pauseAndResume() throws Exception {
      try (RedisServerProcess redis = RedisServerProcess.builder("pause").build()) {
        redis.start();
        try (Socket s = plain(redis, redis.port())) {
          s.setSoTimeout(300);
          redis.pause();
          assertThat(redis.isPaused()).isTrue();
          assertThatThrownBy(() -> call(s, "PING")).isInstanceOf(SocketTimeoutException.class);
          redis.resume();
          s.setSoTimeout(5000);
          // The PING sent while paused is answered first.
          BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
          assertThat(in.readLine()).isEqualTo("+PONG");
        }
      }
    }
  }

  @Test
  @DisplayName("a dualpush.redis.server that names no executable fails start with a message naming the property")
  void badServerProperty() {
    String before = System.getProperty("dualpush.redis.server");
    System.setProperty("dualpush.redis.server", "/nonexistent/redis-server");
    try (RedisServerProcess redis = RedisServerProcess.builder("bad").build()) {
      assertThatThrownBy(redis::start).isInstanceOf(IOException.class)
          .hasMessageContaining("dualpush.redis.server").hasMessageContaining("/nonexistent/redis-server");
      assertThat(redis.isRunning()).isFalse();
    } finally {
      if (before == null) {
        System.clearProperty("dualpush.redis.server");
      } else {
        System.setProperty("dualpush.redis.server", before);
      }
    }
  }

  @Test
  @DisplayName("a cluster has three masters sharing all slots, each reporting cluster_state:ok")
  void cluster() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.builder("cluster").cluster(true).build()) {
      redis.start();
      assertThat(redis.ports()).hasSize(3).doesNotHaveDuplicates();
      for (int port : redis.ports()) {
        try (Socket s = plain(redis, port)) {
          s.getOutputStream().write("CLUSTER INFO\r\n".getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
          InputStream in = s.getInputStream();
          byte[] buf = new byte[4096];
          int n = in.read(buf);
          String info = new String(buf, 0, n, StandardCharsets.UTF_8);
          assertThat(info).contains("cluster_state:ok").contains("cluster_slots_assigned:16384")
              .contains("cluster_size:3");
        }
      }
      redis.restart();
      assertThat(redis.isRunning()).isTrue();
    }
  }

  @Test
  @DisplayName("a TLS server with passwords refuses plain text and unauthenticated calls, and accepts its ACL user")
  void tlsWithPassword() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.builder("tls").tls(true).password(true).build()) {
      redis.start();
      assertThat(redis.uri()).startsWith("rediss://").doesNotContain(redis.password().orElseThrow());
      assertThat(redis.toString()).doesNotContain(redis.password().orElseThrow())
          .doesNotContain(redis.userPassword().orElseThrow());
      X509Certificate ca;
      try (InputStream in = Files.newInputStream(redis.caCertificate().orElseThrow())) {
        ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(redis.host(), redis.port())) {
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate names 127.0.0.1
        s.setSSLParameters(params);
        s.setSoTimeout(5000);
        assertThat(call(s, "PING")).startsWith("-NOAUTH");
        assertThat(call(s, "AUTH " + redis.username().orElseThrow() + " " + redis.userPassword().orElseThrow()))
            .isEqualTo("+OK");
        assertThat(call(s, "PING")).isEqualTo("+PONG");
      }
    }
  }
}
