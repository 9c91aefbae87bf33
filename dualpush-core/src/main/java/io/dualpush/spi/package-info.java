/**
 * The service-provider interfaces every adapter implements: {@link io.dualpush.spi.Destination},
 * {@link io.dualpush.spi.TransactionLog}, {@link io.dualpush.spi.DedupeStore},
 * {@link io.dualpush.spi.LeaseStore} and {@link io.dualpush.spi.AlertSink}. Each has a contract
 * suite in {@code dualpush-testkit} that an implementation must pass.
 */
@NullMarked
package io.dualpush.spi;

import org.jspecify.annotations.NullMarked;
