/** A consumer's module: what a modular application declares to use dualpush with Azure, Redis, the failover read client and the Micrometer binder. */
module com.example.modular {
  requires transitive io.dualpush; // Mirror.push returns a PushReceipt
  requires io.dualpush.azure;
  requires io.dualpush.redis;
  requires io.dualpush.micrometer;
  requires transitive io.dualpush.client; // Reader.read returns a ReadResult

  exports com.example.modular;
}
