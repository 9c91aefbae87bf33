/**
 * Test support for dualpush and for its users: in-memory fakes of every SPI on a controllable
 * clock, a fault-injecting destination, and the contract suites every implementation runs.
 */
@NullMarked
package io.dualpush.testkit;

import org.jspecify.annotations.NullMarked;
