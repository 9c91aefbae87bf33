/**
 * dualpush core: the client API ({@code io.dualpush}), the SPI users implement ({@code io.dualpush.spi})
 * and the embedded defaults ({@code io.dualpush.local}). The engine ({@code io.dualpush.internal}) is
 * not exported: nothing outside this module can reach it, on the module path or through reflection.
 */
module io.dualpush {
  requires org.slf4j;
  requires static org.jspecify;

  exports io.dualpush;
  exports io.dualpush.spi;
  exports io.dualpush.local;
}
