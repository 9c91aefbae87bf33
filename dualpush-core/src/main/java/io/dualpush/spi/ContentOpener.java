package io.dualpush.spi;

import java.io.IOException;
import java.io.InputStream;

/** Opens the payload of a write afresh; each call returns a new stream from the first byte. */
@FunctionalInterface
public interface ContentOpener {
  InputStream open() throws IOException;
}
