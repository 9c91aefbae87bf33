/** A consumer's module: what a modular application declares to use dualpush with Azure, Redis and the failover read client. */
module com.example.modular {
  requires transitive io.dualpush; // Mirror.push returns a PushReceipt
  requires io.dualpush.azure;
  requires io.dualpush.redis;
  requires transitive io.dualpush.client; // Reader.read returns a ReadResult

  exports com.example.modular;
}
