package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualpush.StaleFencingTokenException;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileSystemDestination keeps the destination contract, fencing tier included")
class FileSystemDestinationContractTest extends FencingDestinationContract {
  @TempDir
  Path directory;

  @Override
  protected Destination createDestination() {
    return new FileSystemDestination(directory);
  }

  @Nested
  @DisplayName("fencing across instances sharing the directory")
  class SharedDirectory {
    @Test
    @DisplayName("a token survives a new instance and a delete of the object")
    void tokenIsDurable() {
      destination.put(fenced("k.bin", "under 7", 7));
      FileSystemDestination again = new FileSystemDestination(directory);
      assertThat(again.fencingToken("k.bin")).hasValue(7);
      again.delete("k.bin");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> again.put(fenced("k.bin", "under 6", 6)))
          .isInstanceOf(StaleFencingTokenException.class);
      assertThat(again.get("k.bin")).isEmpty();
    }

    @Test
    @DisplayName("racing fenced writers never leave a lower token's content after a higher one's was accepted")
    void racingWritersNeverRegress() throws Exception {
      int writers = 4;
      int each = 60;
      String key = "race/object.bin";
      AtomicLong tokens = new AtomicLong();
      List<Long> accepted = new CopyOnWriteArrayList<>();
      AtomicBoolean done = new AtomicBoolean();
      List<Long> seen = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
      try {
        List<Future<?>> all = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          // One instance each, as two processes would have: only the fence files are shared.
          FileSystemDestination mine = new FileSystemDestination(directory);
          all.add(pool.submit(() -> {
            go.await();
            for (int i = 0; i < each; i++) {
              // Taken before the write and sent late, as a paused holder's would be: often stale by then.
              long token = tokens.incrementAndGet();
              if (i % 3 == 0) {
                Thread.yield();
              }
              try {
                mine.put(fenced(key, "token " + token, token));
                accepted.add(token);
              } catch (StaleFencingTokenException e) {
                assertThat(e.currentToken()).isGreaterThan(token);
              }
            }
            return null;
          }));
        }
        FileSystemDestination reader = new FileSystemDestination(directory);
        Future<?> reading = pool.submit(() -> {
          go.await();
          while (!done.get()) {
            read(reader, key).ifPresent(seen::add);
          }
          return null;
        });
        go.countDown();
        for (Future<?> f : all) {
          f.get(60, TimeUnit.SECONDS);
        }
        done.set(true);
        reading.get(60, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
      long highest = accepted.stream().mapToLong(Long::longValue).max().orElseThrow();
      assertThat(read(new FileSystemDestination(directory), key)).contains(highest);
      assertThat(new FileSystemDestination(directory).fencingToken(key)).hasValue(highest);
      assertThat(seen).as("the content's token, as a reader saw it, never goes back").isSorted();
    }

    private Optional<Long> read(FileSystemDestination d, String key) {
      Optional<InputStream> in = d.get(key);
      if (in.isEmpty()) {
        return Optional.empty();
      }
      try (InputStream s = in.get()) {
        String text = new String(s.readAllBytes(), StandardCharsets.UTF_8);
        return Optional.of(Long.parseLong(text.substring("token ".length())));
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }
}
