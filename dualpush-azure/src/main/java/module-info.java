/**
 * dualpush for Azure Blob Storage: a destination and a transaction log built from the caller's own
 * {@code BlobContainerClient}, which is why the Azure storage module is required transitively.
 */
module io.dualpush.azure {
  requires transitive io.dualpush;
  requires transitive com.azure.storage.blob;
  requires com.azure.core;
  requires com.azure.storage.common;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.dualpush.azure;
}
