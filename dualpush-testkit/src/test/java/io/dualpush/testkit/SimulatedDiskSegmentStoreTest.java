package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.log.AppendPositionException;
import io.dualpush.log.ClaimLostException;
import io.dualpush.log.ClaimRefusedException;
import io.dualpush.log.SegmentInfo;
import io.dualpush.log.SegmentReader;
import io.dualpush.log.WriterClaim;
import io.dualpush.testkit.SimulatedDiskSegmentStore.CutMode;
import io.dualpush.testkit.SimulatedDiskSegmentStore.PowerCut;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("SimulatedDiskSegmentStore")
class SimulatedDiskSegmentStoreTest {

  /**
   * A generator for {@code seed}: java.util.Random's first draws of neighbouring seeds are nearly the
   * same, so the seed is spread first.
   */
  private static Random random(long seed) {
    return new Random(new SplittableRandom(seed).nextLong());
  }

  private static byte[] bytes(int from, int count) {
    byte[] b = new byte[count];
    for (int i = 0; i < count; i++) {
      b[i] = (byte) (from + i);
    }
    return b;
  }

  private static void append(SimulatedDiskSegmentStore store, SegmentInfo segment, byte[] b) throws IOException {
    store.append(segment, store.bytes(segment.number()).length, ByteBuffer.wrap(b));
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** Reads a whole segment through a fresh view, as a restarted log would. */
  private static byte[] readAfterRestart(SimulatedDiskSegmentStore disk, long number) throws IOException {
    SimulatedDiskSegmentStore view = disk.restart();
    SegmentInfo info = view.list().stream().filter(s -> s.number() == number).findFirst().orElseThrow();
    try (SegmentReader r = view.open(info)) {
      ByteBuffer buf = ByteBuffer.allocate((int) r.size());
      while (buf.hasRemaining() && r.read(buf, buf.position()) > 0) {
        // read on
      }
      return Arrays.copyOf(buf.array(), buf.position());
    }
  }

  @Nested
  @DisplayName("a file-like disk")
  class FileLike {
    @Test
    @DisplayName("keeps synced bytes through every kind of cut, and at most the unsynced ones after them")
    void syncedBytesSurvive() throws IOException {
      for (CutMode mode : CutMode.values()) {
        for (int seed = 0; seed < 50; seed++) {
          SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
          SegmentInfo s = disk.create(0);
          byte[] synced = bytes(0, 100);
          append(disk, s, synced);
          disk.sync(s);
          byte[] unsynced = bytes(100, 60);
          append(disk, s, unsynced);
          disk.powerCut(mode, random(seed));
          byte[] after = readAfterRestart(disk, 0);
          assertThat(after.length).as("%s, seed %d", mode, seed).isBetween(100, 160);
          assertThat(after).as("%s, seed %d", mode, seed).isEqualTo(Arrays.copyOf(concat(synced, unsynced), after.length));
        }
      }
    }

    @Test
    @DisplayName("loses every unsynced byte in a cut that drops them")
    void dropUnsynced() throws IOException {
      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
      SegmentInfo s = disk.create(0);
      append(disk, s, bytes(0, 10));
      disk.sync(s);
      append(disk, s, bytes(10, 10));
      PowerCut cut = disk.powerCut(CutMode.DROP_UNSYNCED, random(1));
      assertThat(readAfterRestart(disk, 0)).isEqualTo(bytes(0, 10));
      assertThat(cut.unsyncedBytesLost()).isEqualTo(10);
      assertThat(cut.tornWrite()).isFalse();
    }

    @Test
    @DisplayName("keeps prefixes of many lengths of the unsynced bytes in cuts that keep a random prefix")
    void randomPrefix() throws IOException {
      Set<Integer> lengths = new HashSet<>();
      for (int seed = 0; seed < 100; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
        SegmentInfo s = disk.create(0);
        disk.sync(s);
        append(disk, s, bytes(0, 20));
        disk.powerCut(CutMode.KEEP_RANDOM_PREFIX, random(seed));
        lengths.add(readAfterRestart(disk, 0).length);
      }
      assertThat(lengths).contains(0, 20).hasSizeGreaterThan(10);
    }

    @Test
    @DisplayName("tears only the last unsynced write, part way, keeping the earlier ones whole")
    void tearLastWrite() throws IOException {
      for (int seed = 0; seed < 50; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
        SegmentInfo s = disk.create(0);
        disk.sync(s);
        append(disk, s, bytes(0, 30));
        append(disk, s, bytes(30, 30));
        PowerCut cut = disk.powerCut(CutMode.TEAR_LAST_WRITE, random(seed));
        int length = readAfterRestart(disk, 0).length;
        assertThat(length).as("seed %d", seed).isGreaterThan(30).isLessThan(60);
        assertThat(cut.tornWrite()).isTrue();
      }
    }

    @Test
    @DisplayName("makes a created segment durable only at a sync; one not yet synced may vanish in a cut")
    void createDurableAtSync() throws IOException {
      Set<Boolean> survived = new HashSet<>();
      for (int seed = 0; seed < 40; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
        disk.create(0);
        disk.powerCut(random(seed));
        survived.add(disk.restart().list().size() == 1);
      }
      assertThat(survived).containsExactlyInAnyOrder(true, false);
      for (int seed = 0; seed < 40; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
        SegmentInfo s = disk.create(0);
        disk.sync(s);
        disk.powerCut(random(seed));
        assertThat(disk.restart().list()).extracting(SegmentInfo::number).containsExactly(0L);
      }
    }

    @Test
    @DisplayName("may bring a deleted segment back in a cut before the next sync, never after it")
    void deleteDurableAtSync() throws IOException {
      Set<Integer> counts = new HashSet<>();
      for (int seed = 0; seed < 40; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
        SegmentInfo old = disk.create(0);
        append(disk, old, bytes(0, 10));
        disk.sync(old);
        SegmentInfo next = disk.create(10);
        disk.sync(next);
        disk.delete(old);
        assertThat(disk.list()).extracting(SegmentInfo::number).containsExactly(10L);
        disk.powerCut(random(seed));
        List<SegmentInfo> after = disk.restart().list();
        counts.add(after.size());
        if (after.size() == 2) {
          assertThat(readAfterRestart(disk, 0)).isEqualTo(bytes(0, 10));
        }
      }
      assertThat(counts).containsExactlyInAnyOrder(1, 2);

      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
      SegmentInfo old = disk.create(0);
      SegmentInfo next = disk.create(1);
      disk.delete(old);
      disk.sync(next);
      disk.powerCut(random(7));
      assertThat(disk.restart().list()).extracting(SegmentInfo::number).containsExactly(1L);
    }

    @Test
    @DisplayName("truncates a torn tail durably, and takes appends at the new end")
    void dropTailTruncates() throws IOException {
      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
      SegmentInfo s = disk.create(0);
      append(disk, s, bytes(0, 20));
      disk.sync(s);
      assertThat(disk.dropTail(s, 12)).isTrue();
      disk.append(s, 12, ByteBuffer.wrap(bytes(50, 3)));
      disk.sync(s);
      disk.powerCut(random(3));
      assertThat(readAfterRestart(disk, 0)).isEqualTo(concat(bytes(0, 12), bytes(50, 3)));
      assertThat(disk.dropTailCount()).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("an append-blob-like disk")
  class AppendBlobLike {
    @Test
    @DisplayName("keeps every append that returned, and creates and deletes, through a cut; sync is a no-op")
    void durableOnReturn() throws IOException {
      for (int seed = 0; seed < 20; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.appendBlobLike();
        SegmentInfo first = disk.create(1);
        append(disk, first, bytes(0, 10));
        SegmentInfo second = disk.create(2);
        append(disk, second, bytes(10, 10));
        disk.delete(first);
        PowerCut cut = disk.powerCut(random(seed));
        assertThat(cut.unsyncedBytesLost()).isZero();
        assertThat(disk.restart().list()).extracting(SegmentInfo::number).containsExactly(2L);
        assertThat(readAfterRestart(disk, 2)).isEqualTo(bytes(10, 10));
      }
    }

    @Test
    @DisplayName("loses an append in flight at a cut whole, or lands it whole, and the caller hears of neither")
    void inFlightWholeOrNothing() throws IOException {
      Set<Integer> lengths = new HashSet<>();
      for (int seed = 0; seed < 40; seed++) {
        SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.appendBlobLike();
        SegmentInfo s = disk.create(1);
        append(disk, s, bytes(0, 10));
        disk.cutAtCall(1, random(seed));
        assertThatThrownBy(() -> disk.append(s, 10, ByteBuffer.wrap(bytes(10, 10)))).isInstanceOf(IOException.class)
            .hasMessageContaining("power cut");
        lengths.add(readAfterRestart(disk, 1).length);
      }
      assertThat(lengths).containsExactlyInAnyOrder(10, 20);
    }

    @Test
    @DisplayName("cannot truncate: dropTail marks the valid length, lists and reads end there, appends are refused")
    void dropTailMarks() throws IOException {
      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.appendBlobLike();
      SegmentInfo s = disk.create(1);
      append(disk, s, bytes(0, 20));
      assertThat(disk.dropTail(s, 12)).isFalse();
      assertThat(disk.list()).containsExactly(new SegmentInfo(1, "segment-00000000000000000001.log", 12));
      assertThat(readAfterRestart(disk, 1)).isEqualTo(bytes(0, 12));
      assertThatThrownBy(() -> disk.append(s, 12, ByteBuffer.wrap(bytes(0, 1)))).isInstanceOf(AppendPositionException.class);
      assertThat(disk.capabilities().canTruncate()).isFalse();
    }
  }

  @Nested
  @DisplayName("a power cut")
  class Cut {
    @Test
    @DisplayName("armed for the Nth call strikes in that call; the view then refuses every call, its readers too")
    void armedCutStrikesInTheNthCall() throws IOException {
      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
      SegmentInfo s = disk.create(0);
      disk.sync(s);
      SegmentReader reader = disk.open(s);
      disk.cutAtCall(3, random(1));
      append(disk, s, bytes(0, 5));
      disk.sync(s);
      assertThat(disk.isDead()).isFalse();
      assertThatThrownBy(() -> disk.append(s, 5, ByteBuffer.wrap(bytes(5, 5)))).isInstanceOf(IOException.class)
          .hasMessageContaining("power cut");
      assertThat(disk.isDead()).isTrue();
      assertThat(disk.lastCut().atCall()).isEqualTo(disk.calls());
      assertThatThrownBy(disk::list).isInstanceOf(IOException.class).hasMessageContaining("dead");
      assertThatThrownBy(() -> disk.sync(s)).isInstanceOf(IOException.class).hasMessageContaining("dead");
      assertThatThrownBy(reader::size).isInstanceOf(IOException.class).hasMessageContaining("dead");
      byte[] after = readAfterRestart(disk, 0);
      assertThat(after).isEqualTo(Arrays.copyOf(concat(bytes(0, 5), bytes(5, 5)), after.length));
      assertThat(after.length).isBetween(5, 10);
    }

    @Test
    @DisplayName("ends the dead process's claim: a restarted view claims the log, the old claim is lost")
    void claimAfterCut() throws IOException {
      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
      WriterClaim claim = disk.claim(false);
      claim.ensureHeld();
      SimulatedDiskSegmentStore other = disk.restart();
      assertThatThrownBy(() -> other.claim(false)).isInstanceOf(ClaimRefusedException.class);
      disk.powerCut(random(1));
      assertThatThrownBy(claim::ensureHeld).isInstanceOf(ClaimLostException.class);
      SimulatedDiskSegmentStore restarted = disk.restart();
      restarted.claim(false).ensureHeld();
    }

    @Test
    @DisplayName("leaves a restarted view that reads and writes what survived")
    void restartedViewWorks() throws IOException {
      SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
      SegmentInfo s = disk.create(0);
      append(disk, s, bytes(0, 8));
      disk.sync(s);
      disk.powerCut(CutMode.DROP_UNSYNCED, random(1));
      SimulatedDiskSegmentStore view = disk.restart();
      SegmentInfo again = view.list().get(0);
      assertThat(again.length()).isEqualTo(8);
      view.append(again, 8, ByteBuffer.wrap(bytes(8, 2)));
      view.sync(again);
      assertThat(view.durableBytes(0)).isEqualTo(bytes(0, 10));
      assertThatThrownBy(() -> view.open(new SegmentInfo(5, "segment-00000000000000000005.wal", 0)))
          .isInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  @DisplayName("refuses an append that does not start where the segment ends")
  void conditionalAppend() throws IOException {
    SimulatedDiskSegmentStore disk = SimulatedDiskSegmentStore.fileLike();
    SegmentInfo s = disk.create(0);
    append(disk, s, bytes(0, 4));
    assertThatThrownBy(() -> disk.append(s, 3, ByteBuffer.wrap(bytes(0, 1))))
        .isInstanceOfSatisfying(AppendPositionException.class, e -> {
          assertThat(e.expected()).isEqualTo(3);
          assertThat(e.actual()).isEqualTo(4);
        });
    assertThat(disk.bytes(0)).isEqualTo(bytes(0, 4));
  }
}
