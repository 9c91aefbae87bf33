package io.dualpush.client;

/**
 * How an endpoint should hand over an object: a buffered read takes it whole and refuses one larger than {@code
 * bufferLimit}; a streamed read takes one no larger than {@code bufferLimit} whole (to check it before handing it
 * over) and opens a stream over a larger one or one of unknown size.
 */
record FetchLimits(boolean stream, long bufferLimit) {}
