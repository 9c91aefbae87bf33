/**
 * dualpush core: the client API ({@code io.dualpush}), the SPI users implement ({@code io.dualpush.spi})
 * and the embedded defaults ({@code io.dualpush.local}). The engine ({@code io.dualpush.internal}) is
 * not exported: nothing outside this module can reach it, on the module path or through reflection.
 * The one segmented transaction log ({@code io.dualpush.log}) is exported only to the modules that
 * hold segment stores (Azure's append blobs) and the testkit (its simulated disk and in-memory log):
 * it is not API.
 */
module io.dualpush {
  requires org.slf4j;
  requires java.net.http;
  requires static org.jspecify;

  exports io.dualpush;
  exports io.dualpush.spi;
  exports io.dualpush.local;
  exports io.dualpush.log to io.dualpush.azure, io.dualpush.testkit;
}
