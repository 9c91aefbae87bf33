package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.StaleFencingTokenException;
import io.dualpush.spi.Destination;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The fencing tier of the {@link DestinationContract}, for destinations whose
 * {@link Destination#supportsFencing()} is true (guarantee G6): a write carrying a fencing token
 * older than the one the object holds is refused with {@link StaleFencingTokenException} and leaves
 * the object unchanged; equal and newer tokens are accepted. Extend this and implement
 * {@code createDestination()}.
 */
public abstract class FencingDestinationContract extends DestinationContract {

  /**
   * A write of {@code content} under {@code key} carrying the fencing token {@code token}.
   *
   * @param key the object key
   * @param content the payload, as UTF-8 text
   * @param token the fencing token
   * @return the request
   */
  protected static WriteRequest fenced(String key, String content, long token) {
    return write(key, bytes(content), Map.of(), OptionalLong.of(token));
  }

  @Nested
  @DisplayName("fencing")
  class Fencing {
    @Test
    @DisplayName("the destination says it supports fencing")
    void supportsFencing() {
      assertThat(destination.supportsFencing()).isTrue();
    }

    @Test
    @DisplayName("a write with an older token is refused and the object is unchanged")
    void staleTokenRefused() {
      String k = key("fenced.bin");
      destination.put(fenced(k, "written under token 5", 5));
      assertThatThrownBy(() -> destination.put(fenced(k, "written under token 4", 4)))
          .isInstanceOfSatisfying(StaleFencingTokenException.class, e -> {
            assertThat(e.presentedToken()).isEqualTo(4);
            assertThat(e.currentToken()).isEqualTo(5);
            assertThat(e.isTransient()).isFalse();
          });
      assertHolds(k, bytes("written under token 5"));
    }

    @Test
    @DisplayName("a write with an older token is refused even when its content is identical")
    void staleTokenRefusedForIdenticalContent() {
      String k = key("fenced-same.bin");
      destination.put(fenced(k, "same", 9));
      assertThatThrownBy(() -> destination.put(fenced(k, "same", 3))).isInstanceOf(StaleFencingTokenException.class);
      assertHolds(k, bytes("same"));
    }

    @Test
    @DisplayName("a write with the same token is accepted")
    void equalTokenAccepted() {
      String k = key("fenced-equal.bin");
      destination.put(fenced(k, "first", 7));
      PutResult result = destination.put(fenced(k, "second", 7));
      assertThat(result.written()).isTrue();
      assertHolds(k, bytes("second"));
    }

    @Test
    @DisplayName("a write with a newer token is accepted, and then the older token is stale")
    void newerTokenAccepted() {
      String k = key("fenced-newer.bin");
      destination.put(fenced(k, "first", 1));
      assertThat(destination.put(fenced(k, "second", 2)).written()).isTrue();
      assertHolds(k, bytes("second"));
      assertThatThrownBy(() -> destination.put(fenced(k, "late write of holder 1", 1)))
          .isInstanceOf(StaleFencingTokenException.class);
      assertHolds(k, bytes("second"));
    }

    @Test
    @DisplayName("a newer holder re-putting identical content fences out the older holder")
    void identicalPutRaisesToken() {
      String k = key("fenced-identical.bin");
      destination.put(fenced(k, "content", 1));
      // Holder 3 re-puts what is already there: nothing need be written, but token 3 has now acted on the key.
      destination.put(fenced(k, "content", 3));
      assertThatThrownBy(() -> destination.put(fenced(k, "late write of holder 2", 2)))
          .isInstanceOf(StaleFencingTokenException.class);
      assertHolds(k, bytes("content"));
    }

    @Test
    @DisplayName("tokens are per object: a high token on one key does not fence another")
    void tokensArePerObject() {
      destination.put(fenced(key("one.bin"), "one", 100));
      assertThat(destination.put(fenced(key("two.bin"), "two", 1)).written()).isTrue();
      assertHolds(key("two.bin"), bytes("two"));
    }
  }
}
