package io.dualpush.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dualpush.StaleFencingTokenException;
import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import io.dualpush.spi.ObjectInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
  @TempDir
  Path outside;

  @Override
  protected Destination createDestination() {
    return new FileSystemDestination(directory);
  }

  @Nested
  @DisplayName("listing a directory")
  class ListingADirectory {
    private List<String> keys() {
      return listAll("", 3).stream().map(ObjectInfo::key).toList();
    }

    @Test
    @DisplayName("dualpush's own files and temporary files are never listed")
    void internalFilesHidden() throws IOException {
      destination.put(write("a.bin", bytes("a")));
      Files.writeString(directory.resolve(".dualpush/tmp/left-by-a-crash.part"), "torn");
      Files.createDirectories(directory.resolve("z"));
      assertThat(keys()).containsExactly("a.bin");
    }

    @Test
    @DisplayName("a link leading out is not followed, and a link at a final path holds no object, as head sees them")
    void linksLeadingOutAndFinalLinks() throws IOException {
      destination.put(write("in/x.bin", bytes("x")));
      Files.writeString(outside.resolve("secret.txt"), "outside");
      Files.createSymbolicLink(directory.resolve("out"), outside);
      Files.createSymbolicLink(directory.resolve("in/final-link.bin"), directory.resolve("in/x.bin"));
      Files.createSymbolicLink(directory.resolve("dangling"), directory.resolve("nowhere"));
      assertThat(keys()).containsExactly("in/x.bin");
      assertThat(destination.head("out/secret.txt")).isEmpty();
      assertThat(destination.head("in/final-link.bin")).isEmpty();
    }

    @Test
    @DisplayName("a link to a directory inside is listed under its own name, and a link back to a directory being walked does not loop")
    void linksInside() throws IOException {
      destination.put(write("a/x.bin", bytes("x")));
      Files.createSymbolicLink(directory.resolve("b"), directory.resolve("a"));
      Files.createSymbolicLink(directory.resolve("a/loop"), directory.resolve("a"));
      Files.createSymbolicLink(directory.resolve("a/root"), directory);
      assertThat(keys()).containsExactly("a/x.bin", "b/x.bin");
      assertThat(destination.head("b/x.bin")).isPresent();
    }

    @Test
    @DisplayName("a file changed behind dualpush's back is listed with its new size, without MD5 or metadata, as head gives no metadata")
    void changedBehindOurBack() throws IOException {
      destination.put(write("c.bin", bytes("written by dualpush"), Map.of("owner", "team-a"), OptionalLong.empty()));
      Files.writeString(directory.resolve("c.bin"), "rewritten by another tool, longer");
      ObjectInfo listed = destination.list("", null, 10).get(0);
      assertThat(listed.size()).isEqualTo("rewritten by another tool, longer".length());
      assertThat(listed.md5()).isEmpty();
      assertThat(listed.metadata()).isEmpty();
      assertThat(destination.head("c.bin").orElseThrow().metadata()).isEmpty();
    }

    @Test
    @DisplayName("the MD5 is listed, without reading the file, once head trusts the sidecar")
    void md5OnceTrusted() {
      byte[] content = bytes("trusted once the clock moved on");
      destination.put(write("t.bin", content, Map.of("owner", "team-a"), OptionalLong.empty()));
      // head() re-hashes and touches the sidecar until it was written in a later tick than the file's last change.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        destination.head("t.bin");
        return destination.list("", null, 1).get(0).md5().isPresent();
      });
      ObjectInfo listed = destination.list("", null, 1).get(0);
      assertThat(listed.md5()).contains(io.dualpush.spi.Md5.of(content));
      assertThat(listed.metadata()).containsEntry("owner", "team-a");
    }

    @Test
    @DisplayName("keys are ordered by UTF-8 bytes: a character above U+FFFF after one just below it")
    void supplementaryCharactersAfterHighBmp() {
      destination.put(write("x-\uD83D\uDE00.bin", bytes("emoji")));
      destination.put(write("x-\uFF5A.bin", bytes("fullwidth z")));
      destination.put(write("x-a.bin", bytes("a")));
      assertThat(keys()).containsExactly("x-a.bin", "x-\uFF5A.bin", "x-\uD83D\uDE00.bin");
    }

    @Test
    @DisplayName("a page stops early in a wide directory and resumes where it stopped")
    void wideDirectory() {
      for (int i = 0; i < 40; i++) {
        destination.put(write("wide/" + (i % 2 == 0 ? "d" + i + "/k.bin" : "f" + i + ".bin"), bytes("w" + i)));
      }
      List<String> all = listAll("wide/", 3).stream().map(ObjectInfo::key).toList();
      assertThat(all).hasSize(40).isSortedAccordingTo(io.dualpush.ObjectKeys.ORDER).doesNotHaveDuplicates();
      assertThat(destination.list("wide/", all.get(16), 4).stream().map(ObjectInfo::key).toList())
          .containsExactlyElementsOf(all.subList(17, 21));
    }
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
