package io.dualpush.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Md5")
class Md5Test {
  /** RFC 1321's test suite: MD5("abc"). */
  private static final String ABC = "kAFQmDzST7DWlj99KOF/cg==";

  @Test
  @DisplayName("hashes bytes and streams to RFC 1321's digests in base64")
  void knownDigests() throws IOException {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    assertThat(Md5.of(abc)).isEqualTo(ABC);
    assertThat(Md5.of(new ByteArrayInputStream(abc))).isEqualTo(new Md5.Digest(ABC, 3));
    assertThat(Md5.of(new byte[0])).isEqualTo("1B2M2Y8AsgTpgAmY7PhCfg==");
  }

  @Test
  @DisplayName("hands out a fresh digest each time: one being fed never changes another")
  void freshDigests() {
    MessageDigest a = Md5.newDigest();
    a.update("something else first".getBytes(StandardCharsets.US_ASCII));
    MessageDigest b = Md5.newDigest();
    assertThat(b).isNotSameAs(a);
    assertThat(Base64.getEncoder().encodeToString(b.digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo(ABC);
    // And a digest handed out after another was fed and finished still starts empty.
    assertThat(Base64.getEncoder().encodeToString(Md5.newDigest().digest("abc".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo(ABC);
  }

  @Test
  @DisplayName("gives the right digest from many threads at once")
  void concurrent() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            byte[] bytes = ("object " + seed + "/" + i).getBytes(StandardCharsets.US_ASCII);
            String expected = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(bytes));
            if (!Md5.of(bytes).equals(expected)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
