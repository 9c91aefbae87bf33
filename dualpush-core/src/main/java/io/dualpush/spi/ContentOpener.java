package io.dualpush.spi;

import java.io.IOException;
import java.io.InputStream;

/** Opens the payload of a write afresh; each call returns a new stream from the first byte. */
@FunctionalInterface
public interface ContentOpener {
  /**
   * Opens the payload from its first byte.
   *
   * @return a new stream; the caller closes it
   * @throws IOException when the payload cannot be opened
   */
  InputStream open() throws IOException;
}
