package io.dualpush.log;

import java.time.Duration;

/** A {@link SegmentedTransactionLogBuilder}'s settings, copied by {@code open} so a log never sees later changes. */
final class LogOptions {
  SegmentedTransactionLog.Durability durability = SegmentedTransactionLog.Durability.GROUP_COMMIT;
  long segmentSize = SegmentedTransactionLog.DEFAULT_SEGMENT_SIZE;
  Duration groupCommitWindow = Duration.ZERO;
  int maxBatchRecords = SegmentedTransactionLog.DEFAULT_MAX_BATCH_RECORDS;
  Duration bufferedSyncInterval = SegmentedTransactionLog.DEFAULT_BUFFERED_SYNC_INTERVAL;
  boolean quarantine;
  boolean takeOver;
  int terminalRetention = TransactionIndex.DEFAULT_TERMINAL_RETENTION;
  int retainSegments = SegmentCompaction.DEFAULT_RETAIN_SEGMENTS;
  int compactAfterSegments = SegmentCompaction.DEFAULT_COMPACT_AFTER_SEGMENTS;
  Duration closeTimeout = Duration.ofSeconds(30);
  SegmentedTransactionLog.TailPause tailPause = d -> Thread.sleep(d.toMillis());

  LogOptions copy() {
    LogOptions o = new LogOptions();
    o.durability = durability;
    o.segmentSize = segmentSize;
    o.groupCommitWindow = groupCommitWindow;
    o.maxBatchRecords = maxBatchRecords;
    o.bufferedSyncInterval = bufferedSyncInterval;
    o.quarantine = quarantine;
    o.takeOver = takeOver;
    o.terminalRetention = terminalRetention;
    o.retainSegments = retainSegments;
    o.compactAfterSegments = compactAfterSegments;
    o.closeTimeout = closeTimeout;
    o.tailPause = tailPause;
    return o;
  }
}
