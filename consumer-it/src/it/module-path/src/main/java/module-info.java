/** A consumer's module: what a modular application declares to use dualpush with Azure and Redis. */
module com.example.modular {
  requires transitive io.dualpush; // Mirror.push returns a PushReceipt
  requires io.dualpush.azure;
  requires io.dualpush.redis;

  exports com.example.modular;
}
