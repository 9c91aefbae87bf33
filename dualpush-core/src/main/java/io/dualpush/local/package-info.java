/**
 * Embedded defaults that need no server: a local-directory destination, a durable file transaction
 * log, and in-process dedupe and lease stores.
 */
@NullMarked
package io.dualpush.local;

import org.jspecify.annotations.NullMarked;
