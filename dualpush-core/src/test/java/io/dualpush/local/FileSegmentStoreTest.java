package io.dualpush.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.log.AppendPositionException;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.SegmentStore;
import io.dualpush.log.WriterClaim;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileSegmentStore")
class FileSegmentStoreTest {
  @TempDir
  Path dir;

  private static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static String read(SegmentStore store, SegmentInfo segment) throws IOException {
    try (SegmentReader reader = store.open(segment)) {
      ByteBuffer buf = ByteBuffer.allocate((int) reader.size());
      while (buf.hasRemaining() && reader.read(buf, buf.position()) >= 0) {
        // read on
      }
      return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }
  }

  @Nested
  @DisplayName("appends")
  class Appends {

    @Test
    @DisplayName("only where the segment ends, refusing any other offset without writing")
    void conditional() throws IOException {
      FileSegmentStore store = new FileSegmentStore(dir);
      SegmentInfo s = store.create(0);
      assertThat(s.name()).isEqualTo("segment-00000000000000000000.wal");
      store.append(s, 0, bytes("abc"));
      assertThatThrownBy(() -> store.append(s, 0, bytes("xyz"))).isInstanceOf(AppendPositionException.class)
          .satisfies(e -> assertThat(((AppendPositionException) e).actual()).isEqualTo(3));
      store.append(s, 3, bytes("de"));
      store.sync(s);
      assertThat(read(store, s)).isEqualTo("abcde");
      assertThat(store.list()).containsExactly(new SegmentInfo(0, s.name(), 5));
      store.close();
    }

    @Test
    @DisplayName("creating a segment that exists fails, and the existing one is untouched")
    void createTwice() throws IOException {
      FileSegmentStore store = new FileSegmentStore(dir);
      SegmentInfo s = store.create(7);
      store.append(s, 0, bytes("abc"));
      assertThatThrownBy(() -> store.create(7)).isInstanceOf(FileAlreadyExistsException.class);
      assertThat(read(store, s)).isEqualTo("abc");
      store.close();
    }

    @Test
    @DisplayName("a torn tail is truncated, and appends go on from the valid length")
    void dropTail() throws IOException {
      FileSegmentStore store = new FileSegmentStore(dir);
      SegmentInfo s = store.create(0);
      store.append(s, 0, bytes("abcdef"));
      assertThat(store.dropTail(s, 4)).isTrue();
      store.append(s, 4, bytes("XY"));
      assertThat(read(store, s)).isEqualTo("abcdXY");
      store.close();
    }
  }

  @Nested
  @DisplayName("the writer's claim")
  class Claim {

    @Test
    @DisplayName("is refused while held, lost once closed, and taken again after")
    void lockLifecycle() throws IOException {
      FileSegmentStore store = new FileSegmentStore(dir);
      WriterClaim claim = store.claim(false);
      claim.ensureHeld();
      assertThatThrownBy(() -> new FileSegmentStore(dir).claim(false)).isInstanceOf(ClaimRefusedException.class)
          .hasMessageContaining(dir.toString()).hasMessageContaining("already open");
      claim.close();
      assertThatThrownBy(claim::ensureHeld).isInstanceOf(ClaimLostException.class);
      try (WriterClaim again = new FileSegmentStore(dir).claim(false)) {
        again.ensureHeld();
      }
    }

    @Test
    @DisplayName("adopts a single-file log of an old release as the first segment")
    void adoptsLegacy() throws IOException {
      Files.writeString(dir.resolve(FileSegmentStore.LEGACY_FILE_NAME), "old");
      FileSegmentStore store = new FileSegmentStore(dir);
      assertThat(store.list()).containsExactly(new SegmentInfo(0, FileSegmentStore.LEGACY_FILE_NAME, 3));
      try (WriterClaim claim = store.claim(false)) {
        assertThat(store.list()).containsExactly(new SegmentInfo(0, "segment-00000000000000000000.wal", 3));
      }
    }
  }

  @Nested
  @DisplayName("quarantine")
  class Quarantine {

    @Test
    @DisplayName("moves a segment aside, out of the listing, and records accepted gaps that later stores read")
    void quarantineAndGaps() throws IOException {
      FileSegmentStore store = new FileSegmentStore(dir);
      SegmentInfo s = store.create(0);
      store.create(10);
      String where = store.quarantine(s);
      assertThat(Path.of(where)).exists().hasParent(dir.resolve(FileSegmentStore.QUARANTINE));
      assertThat(store.list()).extracting(SegmentInfo::number).containsExactly(10L);
      store.recordAcceptedGap(3, 9, "lost in a restore");
      assertThat(new FileSegmentStore(dir).acceptedGaps()).containsExactly(new SegmentStore.AcceptedGap(3, 9));
      store.close();
    }

    @Test
    @DisplayName("deleting a segment that is already gone is not an error")
    void deleteTwice() throws IOException {
      FileSegmentStore store = new FileSegmentStore(dir);
      store.create(0);
      SegmentInfo next = store.create(5);
      SegmentInfo first = store.list().get(0);
      store.delete(first);
      store.delete(first);
      assertThat(store.list()).containsExactly(next);
      store.close();
    }
  }
}
