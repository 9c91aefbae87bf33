/**
 * Micrometer metrics for dualpush: {@link io.dualpush.micrometer.DualPushMetrics}, a
 * {@link io.micrometer.core.instrument.binder.MeterBinder} that is also the
 * {@link io.dualpush.DualPushListener} it counts from.
 */
@NullMarked
package io.dualpush.micrometer;

import org.jspecify.annotations.NullMarked;
