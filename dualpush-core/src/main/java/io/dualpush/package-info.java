/**
 * The dualpush public API: build a {@link io.dualpush.DualPushClient} with
 * {@link io.dualpush.DualPushClientBuilder}, push objects, read receipts, verify and repair.
 */
@NullMarked
package io.dualpush;

import org.jspecify.annotations.NullMarked;
