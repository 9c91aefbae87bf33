/** A consumer's module: what a modular application declares to use dualpush with Azure. */
module com.example.modular {
  requires transitive io.dualpush; // Mirror.push returns a PushReceipt
  requires io.dualpush.azure;

  exports com.example.modular;
}
