package io.dualpush.local;

import static io.dualpush.local.LocalDirectories.Relation.APART;
import static io.dualpush.local.LocalDirectories.Relation.CONTAINS;
import static io.dualpush.local.LocalDirectories.Relation.INSIDE;
import static io.dualpush.local.LocalDirectories.Relation.SAME;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualpush.local.LocalDirectories.Relation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("LocalDirectories.relation")
class LocalDirectoriesTest {
  @TempDir
  Path tmp;

  private Path a;
  private Path sub;
  private Path b;

  @BeforeEach
  void setUp() throws IOException {
    a = Files.createDirectory(tmp.resolve("a"));
    sub = Files.createDirectories(a.resolve("x/sub"));
    b = Files.createDirectory(tmp.resolve("b"));
  }

  /** Asserts the relation both ways round, so each answer is checked against its mirror. */
  private static void assertRelation(Path first, Path second, Relation expected) throws IOException {
    Relation mirror = switch (expected) {
      case INSIDE -> CONTAINS;
      case CONTAINS -> INSIDE;
      default -> expected;
    };
    assertThat(LocalDirectories.relation(first, second)).as("%s vs %s", first, second).isEqualTo(expected);
    assertThat(LocalDirectories.relation(second, first)).as("%s vs %s", second, first).isEqualTo(mirror);
  }

  @Nested
  @DisplayName("by name")
  class ByName {

    @Test
    @DisplayName("a directory is the same as itself, however it is spelled")
    void sameDirectory() throws IOException {
      assertRelation(a, a, SAME);
      assertRelation(a, a.resolve("x/../."), SAME);
      assertRelation(a, tmp.resolve("b/../a"), SAME);
    }

    @Test
    @DisplayName("a subdirectory, however deep, is inside its ancestor")
    void insideAndContains() throws IOException {
      assertRelation(sub, a, INSIDE);
      assertRelation(a.resolve("x"), a, INSIDE);
      assertRelation(a, sub, CONTAINS);
    }

    @Test
    @DisplayName("siblings are apart, also when one name is a prefix of the other")
    void apart() throws IOException {
      Path ab = Files.createDirectory(tmp.resolve("ab"));
      assertRelation(a, b, APART);
      assertRelation(a, ab, APART);
      assertRelation(sub, b, APART);
    }

    @Test
    @DisplayName("a relative path is judged where it resolves")
    void relativePath() throws IOException {
      Path relative = Path.of("").toAbsolutePath().relativize(sub);
      assertRelation(relative, a, INSIDE);
    }

    @Test
    @DisplayName("refuses null, naming the argument")
    void nulls() {
      assertThatThrownBy(() -> LocalDirectories.relation(null, a)).isInstanceOf(NullPointerException.class).hasMessage("a");
      assertThatThrownBy(() -> LocalDirectories.relation(a, null)).isInstanceOf(NullPointerException.class).hasMessage("b");
    }
  }

  @Nested
  @DisplayName("through symbolic links")
  class Symlinks {

    @Test
    @DisplayName("a link to a directory is the same directory")
    void linkToDirectory() throws IOException {
      Path link = Files.createSymbolicLink(tmp.resolve("link-to-a"), a);
      assertRelation(link, a, SAME);
    }

    @Test
    @DisplayName("a link placed elsewhere that leads to a subdirectory is inside its real ancestor")
    void linkToSubdirectory() throws IOException {
      Path link = Files.createSymbolicLink(b.resolve("looks-apart"), sub);
      assertRelation(link, a, INSIDE);
      assertRelation(link, b, APART);
    }

    @Test
    @DisplayName("a path under a link to an ancestor is inside it")
    void pathUnderLink() throws IOException {
      Path link = Files.createSymbolicLink(b.resolve("up"), a);
      assertRelation(link.resolve("x/sub"), a, INSIDE);
      assertRelation(link.resolve("x/sub"), sub, SAME);
    }
  }

  @Nested
  @DisplayName("a path that does not exist yet")
  class NotYetExisting {

    @Test
    @DisplayName("is judged where it would be created: inside the directory it would be created in")
    void missingInside() throws IOException {
      Path missing = a.resolve("not/yet/there");
      assertRelation(missing, a, INSIDE);
      assertRelation(missing, b, APART);
      assertThat(missing).doesNotExist();
      assertThat(a.resolve("not")).doesNotExist();
    }

    @Test
    @DisplayName("is judged through a link on its way")
    void missingUnderLink() throws IOException {
      Path link = Files.createSymbolicLink(b.resolve("up"), a);
      assertRelation(link.resolve("new"), a, INSIDE);
      assertRelation(link.resolve("new"), a.resolve("new"), SAME);
      assertThat(a.resolve("new")).doesNotExist();
    }

    @Test
    @DisplayName("holds nothing that exists: it is apart from an existing sibling")
    void missingHoldsNothing() throws IOException {
      assertRelation(tmp.resolve("missing"), a, APART);
    }
  }

  @Nested
  @DisplayName("through a bind mount (root only; skipped otherwise)")
  class BindMounts {

    @Test
    @DisplayName("the mount point is the same directory as its source, and a subdirectory of either is inside the other")
    void bindMount() throws IOException {
      Path alias = Files.createDirectory(tmp.resolve("alias"));
      try (BindMount m = BindMount.of(a, alias)) {
        assertThat(alias.resolve("x/sub")).isDirectory();
        assertRelation(alias, a, SAME);
        assertRelation(alias.resolve("x/sub"), a, INSIDE);
        assertRelation(alias, sub, CONTAINS);
        assertRelation(alias, b, APART);
        assertRelation(alias.resolve("not/yet"), a, INSIDE);
      }
      assertThat(alias).isEmptyDirectory();
    }
  }
}
