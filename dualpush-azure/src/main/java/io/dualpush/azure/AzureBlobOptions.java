package io.dualpush.azure;

import io.dualpush.InvalidInputException;

/**
 * How {@link AzureBlobDestination} uploads: the size of the blocks it stages, how many blocks of one
 * upload may be in flight at once, and below which size an object goes up in a single request.
 * Memory per upload is bounded by {@code singleShotThreshold + maxConcurrency * blockSize}
 * whatever the object's size. Immutable.
 *
 * <pre>{@code
 * AzureBlobOptions options = AzureBlobOptions.builder().blockSize(8 * MIB).maxConcurrency(4).build();
 * }</pre>
 */
public final class AzureBlobOptions {
  private static final long MIB = 1024L * 1024;
  /** Largest block or single-shot buffer accepted: each is held in memory as one array. */
  public static final long MAX_BUFFER = 256 * MIB;
  /** Smallest block accepted: smaller ones would run into Azure's 50,000-blocks-per-blob limit early. */
  public static final long MIN_BLOCK_SIZE = 64 * 1024;

  private static final AzureBlobOptions DEFAULTS = builder().build();

  private final long blockSize;
  private final int maxConcurrency;
  private final long singleShotThreshold;

  private AzureBlobOptions(Builder b) {
    this.blockSize = b.blockSize;
    this.maxConcurrency = b.maxConcurrency;
    this.singleShotThreshold = b.singleShotThreshold;
  }

  /**
   * 4 MiB blocks, 4 in flight, single-shot below 4 MiB.
   *
   * @return the default options
   */
  public static AzureBlobOptions ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Starts from the defaults of {@link #ofDefaults()}.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Bytes per staged block.
   *
   * @return the block size in bytes
   */
  public long blockSize() {
    return blockSize;
  }

  /**
   * Blocks of one upload in flight at once.
   *
   * @return the number of blocks in flight
   */
  public int maxConcurrency() {
    return maxConcurrency;
  }

  /**
   * Objects smaller than this go up in one request; larger ones in staged blocks.
   *
   * @return the threshold in bytes; 0 stages every object in blocks
   */
  public long singleShotThreshold() {
    return singleShotThreshold;
  }

  @Override
  public String toString() {
    return "AzureBlobOptions{blockSize=" + blockSize + ", maxConcurrency=" + maxConcurrency
        + ", singleShotThreshold=" + singleShotThreshold + "}";
  }

  /** Builds {@link AzureBlobOptions}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private long blockSize = 4 * MIB;
    private int maxConcurrency = 4;
    private long singleShotThreshold = 4 * MIB;
    private boolean blockSizeSet;
    private boolean maxConcurrencySet;
    private boolean singleShotThresholdSet;

    private Builder() {}

    /**
     * Bytes per staged block, 64 KiB to 256 MiB; default 4 MiB.
     *
     * @param bytes 64 KiB to 256 MiB
     * @return this builder
     * @throws InvalidInputException naming {@code blockSize} when it is out of range or was already set
     */
    public Builder blockSize(long bytes) {
      once(blockSizeSet, "blockSize", blockSize);
      if (bytes < MIN_BLOCK_SIZE || bytes > MAX_BUFFER) {
        throw new InvalidInputException("blockSize", "'blockSize' must be between " + MIN_BLOCK_SIZE + " and "
            + MAX_BUFFER + " bytes, was " + bytes + ".");
      }
      blockSize = bytes;
      blockSizeSet = true;
      return this;
    }

    /**
     * Blocks of one upload in flight at once, 1 to 64; default 4.
     *
     * @param blocks 1 to 64
     * @return this builder
     * @throws InvalidInputException naming {@code maxConcurrency} when it is out of range or was already set
     */
    public Builder maxConcurrency(int blocks) {
      once(maxConcurrencySet, "maxConcurrency", maxConcurrency);
      if (blocks < 1 || blocks > 64) {
        throw new InvalidInputException("maxConcurrency", "'maxConcurrency' must be between 1 and 64, was " + blocks + ".");
      }
      maxConcurrency = blocks;
      maxConcurrencySet = true;
      return this;
    }

    /**
     * Objects smaller than this go up in one request, 0 (never) to 256 MiB; default 4 MiB.
     *
     * @param bytes 0 to 256 MiB
     * @return this builder
     * @throws InvalidInputException naming {@code singleShotThreshold} when it is out of range or was already
     *     set
     */
    public Builder singleShotThreshold(long bytes) {
      once(singleShotThresholdSet, "singleShotThreshold", singleShotThreshold);
      if (bytes < 0 || bytes > MAX_BUFFER) {
        throw new InvalidInputException("singleShotThreshold", "'singleShotThreshold' must be between 0 and "
            + MAX_BUFFER + " bytes, was " + bytes + ".");
      }
      singleShotThreshold = bytes;
      singleShotThresholdSet = true;
      return this;
    }

    /**
     * Snapshots the settings. Memory per upload is bounded by {@code blockSize * maxConcurrency}, or the
     * threshold for a single-shot upload.
     *
     * @return the immutable options
     */
    public AzureBlobOptions build() {
      return new AzureBlobOptions(this);
    }

    private static void once(boolean set, String field, Object value) {
      if (set) {
        throw new InvalidInputException(field, field + " was already set to " + value);
      }
    }
  }
}
