/**
 * The one segmented transaction log, for store adapters: {@link io.dualpush.log.SegmentStore}, the
 * small interface a place that holds segments implements (local files, append blobs, a simulated
 * disk in the testkit), and the log that runs over it (framing, group commit, replay, the torn-tail
 * policy, compaction, retention).
 *
 * <p><b>Not API.</b> Public only so that store adapters in other modules ({@code dualpush-azure},
 * {@code dualpush-testkit}) and the benchmarks can reach it; applications use
 * {@code FileTransactionLog}, {@code AzureBlobTransactionLog} or their own
 * {@link io.dualpush.spi.TransactionLog}. Anything here may change in any release.
 */
@NullMarked
package io.dualpush.log;

import org.jspecify.annotations.NullMarked;
