package io.dualpush.log;

import io.dualpush.TransactionLogCorruptedException;
import io.dualpush.TransactionLogGapException;
import io.dualpush.spi.LogOpenWarning;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open of a segmented log: list the segments, check that none is missing between two others,
 * replay them in order into the index, and work around what a crash left (a torn tail) or what the
 * builder allows (quarantine, an accepted gap), listing each in the open's warnings.
 */
final class LogRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentedTransactionLog.class);
  /** How many times a read-only open lists again when a listing raced a writer's roll-over or compaction. */
  private static final int READ_ONLY_ATTEMPTS = 6;

  private final LogCore core;

  LogRecovery(LogCore core) {
    this.core = core;
  }

  /**
   * A writer's open, holding the claim: replays everything, drops a torn tail of the last segment,
   * quarantines damaged segments and accepts gaps where allowed, and leaves {@link LogCore#active}
   * set to a segment appends may go to.
   */
  void recoverWriter() throws IOException {
    boolean quarantine = core.options.quarantine;
    List<LogOpenWarning> quarantined = new ArrayList<>(); // survives the replay that follows a quarantine
    List<LogOpenWarning> found;
    while (true) {
      core.segments.clear();
      // A fresh index, and the tracking with it: the tracking lives beside each transaction it holds.
      core.index = new TransactionIndex(core.options.terminalRetention);
      core.compaction.attach(core.index);
      found = new ArrayList<>();
      try {
        List<SegmentInfo> infos = sorted(core.store.list());
        for (int i = 0; i < infos.size(); i++) {
          LogSegment s = new LogSegment(infos.get(i));
          if (i > 0) {
            checkContinuity(core.segments.lastEntry().getValue(), s, quarantine).ifPresent(found::add);
          }
          core.segments.put(s.number(), s);
          boolean last = i == infos.size() - 1;
          try (SegmentReader reader = core.store.open(s.info)) {
            long valid = SegmentScanner.replay(reader, s, last, core.capabilities.maxAppendBytes(),
                entry -> core.applyDurable(entry, s));
            if (valid < s.seen) {
              found.add(dropTornTail(s, valid));
            }
          }
        }
        break;
      } catch (SegmentScanner.Damage d) {
        if (!quarantine) {
          throw core.corrupted(d);
        }
        quarantined.add(quarantine(d.segment, d.offset, "segment " + core.store.locate(d.segment)
            + " is damaged at offset " + d.offset + " (" + d.reason + ")"));
      } catch (SegmentCorruptedException e) {
        SegmentInfo damaged = core.segments.values().stream().map(s -> s.info)
            .filter(info -> info.name().equals(e.segment())).findFirst().orElse(null);
        if (!quarantine || damaged == null) {
          throw new TransactionLogCorruptedException("Transaction log " + core.description + ": " + e.getMessage(),
              core.description, e.segment(), 0, e.getMessage());
        }
        quarantined.add(quarantine(damaged, 0, "segment " + core.store.locate(damaged) + " is damaged ("
            + e.getMessage() + ")"));
      }
    }
    quarantined.addAll(found);
    core.openWarnings = List.copyOf(quarantined);
    if (core.segments.isEmpty()) {
      LogSegment first = new LogSegment(core.store.create(core.firstNumber()));
      core.segments.put(first.number(), first);
    }
    LogSegment last = core.segments.lastEntry().getValue();
    if (last.sealed) {
      // The store could only mark where the torn tail starts: nothing may be appended after it,
      // not even compaction's copies, so appends go on in a new segment from the start.
      LogSegment next = new LogSegment(core.store.create(core.nextNumber(last)));
      core.segments.put(next.number(), next);
      last = next;
    }
    core.active = last;
  }

  private LogOpenWarning dropTornTail(LogSegment s, long valid) throws IOException {
    long torn = s.seen - valid;
    String where = core.store.locate(s.info);
    boolean truncated = core.store.dropTail(s.current(), valid);
    s.sealed = !truncated;
    String what = truncated ? "truncated" : "dropped (marked as the segment's end; appends continue in a new segment)";
    LOG.warn("Transaction log segment {}: a torn tail of {} bytes at offset {} {}", where, torn, valid, what);
    return new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_DROPPED, s.name(), valid, "Transaction log segment " + where
        + ": " + (truncated ? "truncated" : "dropped") + " a torn tail of " + torn + " bytes at offset " + valid
        + " (a record being written when the process stopped or a write failed; its append had not returned)");
  }

  private LogOpenWarning quarantine(SegmentInfo segment, long offset, String why) throws IOException {
    String target = core.store.quarantine(segment);
    LOG.error("Transaction log {}: {}. Moved the segment to {} and opening with the remaining segments; "
        + "transactions recorded in it may be lost or seen in an older state.", core.description, why, target);
    return new LogOpenWarning(LogOpenWarning.Kind.SEGMENT_QUARANTINED, segment.name(), offset, "Transaction log "
        + why + "; moved it to " + target + " (quarantineDamagedSegments): "
        + "transactions recorded in it may be lost or seen in an older state");
  }

  /**
   * A read-only open: changes nothing, replays whatever is whole, and follows a torn-looking tail of
   * the last segment for a moment (a writer beside it may be appending that very record). Lists
   * again when the listing raced a writer (a segment compacted between listing and reading, or
   * created between two listings).
   */
  void recoverReadOnly() throws IOException {
    for (int attempt = 1; ; attempt++) {
      core.segments.clear();
      core.index = new TransactionIndex(Integer.MAX_VALUE);
      core.compaction.attach(core.index);
      try {
        List<LogOpenWarning> found = new ArrayList<>();
        List<SegmentInfo> infos = sorted(core.store.list());
        for (int i = 0; i < infos.size(); i++) {
          LogSegment s = new LogSegment(infos.get(i));
          if (i > 0) {
            checkContinuity(core.segments.lastEntry().getValue(), s, false).ifPresent(found::add);
          }
          core.segments.put(s.number(), s);
          boolean last = i == infos.size() - 1;
          try (SegmentReader reader = core.store.open(s.info)) {
            long valid = SegmentScanner.replay(reader, s, last, core.capabilities.maxAppendBytes(),
                entry -> core.applyDurable(entry, s));
            if (valid < s.seen) {
              followTail(reader, s, valid).ifPresent(found::add);
            }
          }
        }
        core.openWarnings = List.copyOf(found);
        core.active = core.segments.isEmpty() ? null : core.segments.lastEntry().getValue();
        return;
      } catch (TransactionLogGapException e) {
        // A listing is no snapshot: beside a writer that rolled over twice while we listed, a segment
        // created in between can be missed. A real gap is still there when listed again.
        if (attempt >= READ_ONLY_ATTEMPTS) {
          throw e;
        }
      } catch (NoSuchFileException e) {
        // A writer beside us compacted a segment between listing and reading it: list again.
        if (attempt >= READ_ONLY_ATTEMPTS) {
          throw e;
        }
      } catch (SegmentScanner.Damage d) {
        throw core.corrupted(d);
      } catch (SegmentCorruptedException e) {
        throw new TransactionLogCorruptedException("Transaction log " + core.description + ": " + e.getMessage(),
            core.description, e.segment(), 0, e.getMessage());
      }
    }
  }

  /**
   * Read-only: the last segment ends, at {@code torn}, in bytes that are not a whole record. It is
   * read again after a pause (up to {@link SegmentedTransactionLog#TAIL_REREADS} times while it keeps
   * changing) and whatever completed is replayed. A tail still torn and unchanged is reported as
   * torn, saying whether a writer holds the log; one that kept changing as an append in progress.
   */
  private Optional<LogOpenWarning> followTail(SegmentReader reader, LogSegment s, long torn)
      throws IOException, SegmentScanner.Damage {
    String where = core.store.locate(s.info);
    Duration pause = SegmentedTransactionLog.TAIL_PAUSE;
    for (int reread = 0; reread < SegmentedTransactionLog.TAIL_REREADS; reread++) {
      long seen = s.seen;
      try {
        core.options.tailPause.pause(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_IGNORED, s.name(), torn, "Transaction log "
            + "segment " + where + " ends in " + (seen - torn) + " bytes at offset " + torn + " that are not a whole "
            + "record (not re-read: interrupted); this read-only view ends before them, so a later state of some "
            + "transaction may not be seen."));
      }
      if (reader.size() == seen) {
        return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.TORN_TAIL_IGNORED, s.name(), torn, "Transaction log "
            + "segment " + where + " ends in " + (seen - torn) + " bytes at offset " + torn + " that are not a whole "
            + "record, unchanged when read again " + pause.toMillis() + " ms later, so not an append in progress. This "
            + "read-only view ends before them: whatever record was being written there (a later state of some "
            + "transaction) is not seen, so a state shown may be out of date. " + core.store.writerPresence()));
      }
      torn = SegmentScanner.scan(reader, s, true, core.capabilities.maxAppendBytes(),
          entry -> core.applyDurable(entry, s), torn);
      s.size = torn;
      if (torn >= s.seen) {
        return Optional.empty(); // it was an append in progress, and it is whole now
      }
    }
    return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.APPEND_IN_PROGRESS, s.name(), torn, "Transaction log "
        + "segment " + where + " kept growing while it was read and still ended in a partial record at offset " + torn
        + " after " + SegmentedTransactionLog.TAIL_REREADS + " re-reads: a writer is appending. This read-only view "
        + "ends before that record."));
  }

  private static List<SegmentInfo> sorted(List<SegmentInfo> infos) {
    List<SegmentInfo> copy = new ArrayList<>(infos);
    copy.sort(Comparator.comparingLong(SegmentInfo::number));
    return copy;
  }

  /**
   * Checks that {@code next} follows {@code previous} with nothing missing. Every frame counts one
   * and a roll-over names the new segment after the one it follows, so a mismatch is never the
   * log's doing: compaction deletes only the oldest segments (what remains is a suffix), a
   * quarantine leaves a gap it accepts, and a torn tail is only ever cut off the last segment. A gap
   * means records lost from the middle of the log: replaying around it could revert a key to an
   * older version, so it stops the open unless the loss was accepted (recorded by the store, now
   * when {@code accept} is set, or by an earlier open). An overlap stops it in any case.
   */
  private Optional<LogOpenWarning> checkContinuity(LogSegment previous, LogSegment next, boolean accept)
      throws IOException {
    long expected = core.nextNumber(previous);
    if (next.number() == expected) {
      return Optional.empty();
    }
    boolean byRecord = core.capabilities.numbering() == SegmentStore.Numbering.RECORD_SEQUENCE;
    String unit = byRecord ? "records" : "segments";
    String before = previous.name();
    String after = next.name();
    String dir = core.description;
    if (next.number() < expected) {
      String reason = byRecord ? after + " starts at record " + next.number() + " but " + before
          + " holds records up to " + (expected - 1) : after + " does not follow " + before;
      throw new TransactionLogCorruptedException("Transaction log " + dir + ": segments overlap (" + reason + "); one "
          + "of them does not belong to this log as it stands (restored from an older copy?). Move the one that does "
          + "not belong out of " + dir + ".", dir, after, 0, reason);
    }
    long first = expected;
    long last = next.number() - 1;
    String reason = unit + " " + first + ".." + last + " are missing";
    String facts = before + " is followed by " + after + ": " + reason;
    if (accepted(first, last)) {
      return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.GAP_ACCEPTED, after, 0, "Transaction log " + dir + ": "
          + facts + ". The loss was accepted (recorded in the quarantine of " + dir + "): transactions recorded there "
          + "may be lost or seen in an older state."));
    }
    String accepting = core.capabilities.canQuarantine() ? " Restore the missing segment, or open with "
        + "quarantineDamagedSegments(true) to accept the loss (it is recorded in the quarantine)." : " Restore the "
        + "missing segment.";
    if (!accept || !core.capabilities.canQuarantine()) {
      throw new TransactionLogGapException("Transaction log " + dir + ": " + facts + " (a segment was deleted or lost; "
          + "compaction only ever deletes the oldest segments). Replaying around them could silently revert a key to "
          + "an older version, so the log does not open." + accepting, dir, before, after, first, last, reason);
    }
    String marker = core.store.recordAcceptedGap(first, last,
        facts + "; accepted by an open with quarantineDamagedSegments(true)");
    LOG.error("Transaction log {}: {}. Accepting the loss (quarantineDamagedSegments) and recording it in {}: "
        + "transactions recorded there may be lost or seen in an older state.", dir, facts, marker);
    return Optional.of(new LogOpenWarning(LogOpenWarning.Kind.GAP_ACCEPTED, after, 0, "Transaction log " + dir + ": "
        + facts + ". Accepted the loss now (quarantineDamagedSegments), recorded in " + marker + ": transactions "
        + "recorded there may be lost or seen in an older state."));
  }

  /** Whether the accepted gaps cover every number of {@code [first, last]}. */
  private boolean accepted(long first, long last) throws IOException {
    List<SegmentStore.AcceptedGap> ranges = new ArrayList<>(core.store.acceptedGaps());
    ranges.sort(Comparator.comparingLong(SegmentStore.AcceptedGap::first));
    long need = first;
    for (SegmentStore.AcceptedGap r : ranges) {
      if (r.first() > need) {
        break;
      }
      need = Math.max(need, r.last() + 1);
      if (need > last) {
        return true;
      }
    }
    return false;
  }
}
