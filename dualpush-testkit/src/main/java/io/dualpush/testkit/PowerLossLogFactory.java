package io.dualpush.testkit;

import io.dualpush.spi.TransactionLog;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * How the power-loss tier of {@link TransactionLogContract} builds a log over a
 * {@link SimulatedDiskSegmentStore}: which disk (file-like or append-blob-like) and how to open the
 * log under test over a view of it, exactly as the log is configured in use (its durability mode,
 * small segments so that trials roll and compact).
 *
 * <pre>{@code
 * PowerLossLogFactory f = PowerLossLogFactory.of(SimulatedDiskSegmentStore::fileLike,
 *     store -> MyLog.builder(store).segmentSize(4096).open());
 * }</pre>
 */
public interface PowerLossLogFactory {

  /**
   * A new, empty disk for one trial.
   *
   * @return a view of a new disk
   */
  SimulatedDiskSegmentStore newDisk();

  /**
   * Opens the log under test over {@code store}: on a new disk a new log, after a power cut the
   * log a restarted process opens. Must take the store's writer claim (the previous holder is
   * dead after a cut).
   *
   * @param store a view of the trial's disk
   * @return the open log
   */
  TransactionLog open(SimulatedDiskSegmentStore store);

  /**
   * A factory from two functions.
   *
   * @param disk makes a new disk per trial
   * @param open opens the log under test over a view of it
   * @return the factory
   */
  static PowerLossLogFactory of(Supplier<SimulatedDiskSegmentStore> disk,
      Function<SimulatedDiskSegmentStore, TransactionLog> open) {
    Objects.requireNonNull(disk, "disk");
    Objects.requireNonNull(open, "open");
    return new PowerLossLogFactory() {
      @Override
      public SimulatedDiskSegmentStore newDisk() {
        return disk.get();
      }

      @Override
      public TransactionLog open(SimulatedDiskSegmentStore store) {
        return open.apply(store);
      }
    };
  }
}
