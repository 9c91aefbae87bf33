/**
 * dualpush testkit: in-memory fakes of every SPI on a manual clock, fault injection, the contract
 * suites every implementation runs, JUnit 5 extensions that start real servers for tests, and a
 * fault-injecting HTTP object server on the JDK's built-in HTTP server.
 * Its contract suites are opened to JUnit, which instantiates their nested classes reflectively.
 */
module io.dualpush.testkit {
  requires transitive io.dualpush;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;
  requires org.slf4j;
  requires jdk.httpserver;
  requires static org.jspecify;

  exports io.dualpush.testkit;
  opens io.dualpush.testkit to org.junit.platform.commons;
}
