package io.dualpush;

import io.dualpush.spi.Destination;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.PutResult;
import io.dualpush.spi.WriteRequest;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hand-off in which readers of the final key never see an object that is not yet confirmed everywhere: the object
 * is pushed under a staging prefix first, promoted to its final key on each destination only once the staged push
 * is verified on every required destination (a copy of the staged copy, checked against the source MD5), and the
 * staged copies are deleted last. Every step is idempotent, so a hand-off interrupted at any point (a crash, a
 * destination down) is finished by {@link #promote} or {@link #resumePending}, and nothing is lost: until the final
 * copies are verified, the staged ones stay.
 *
 * <pre>{@code
 * StagedHandoff handoff = StagedHandoff.builder(client).destination("primary", primary).destination("dr", dr).build();
 * handoff.handoff(PushRequest.of("gold/daily.parquet", bytes));
 * }</pre>
 *
 * <p>The destinations given here must be the client's required destinations (the same instances). Thread-safe.
 */
public final class StagedHandoff {
  private static final Logger LOG = LoggerFactory.getLogger(StagedHandoff.class);

  private final DualPushClient client;
  private final Map<String, Destination> destinations;
  private final String stagingPrefix;

  private StagedHandoff(Builder b) {
    this.client = b.client;
    this.destinations = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.destinations));
    this.stagingPrefix = b.stagingPrefix;
  }

  /**
   * A builder over the client that pushes the staged copies.
   *
   * @param client the client whose required destinations are given to the builder too
   * @return a new builder
   */
  public static Builder builder(DualPushClient client) {
    return new Builder(InvalidInputException.requireNonNull(client, "client"));
  }

  /**
   * Where an object's staged copy lives.
   *
   * @param key the object's final key
   * @return the staging key
   */
  public String stagingKey(String key) {
    return stagingPrefix + ObjectKeys.validate(key);
  }

  /**
   * Pushes the object under its staging key and, once that push is verified everywhere, promotes it to its final
   * key.
   *
   * @param request the object under its final key
   * @return the staged push's receipt (its key is the staging key)
   * @throws PushFailedException when the staged push was not verified everywhere: nothing was promoted, and the
   *     staged copies are repaired and promoted later by {@link #resumePending}
   * @throws DestinationException when a promotion step failed: the staged copies stay, call {@link #promote} again
   */
  public PushReceipt handoff(PushRequest request) {
    InvalidInputException.requireNonNull(request, "request");
    String key = request.key();
    PushRequest staged = PushRequest.builder(stagingKey(key), request.content())
        .contentType(request.contentType()).metadata(request.metadata()).build();
    PushReceipt receipt = client.push(staged);
    if (!receipt.isVerified()) {
      throw new PushFailedException(receipt);
    }
    promote(key, receipt.md5(), receipt.size());
    return receipt;
  }

  /**
   * Promotes an object whose staged copies are verified: copies each destination's staged copy to the final key
   * (unless the final key holds that MD5 already), checks every final copy's MD5, then deletes the staged copies.
   * Calling it again after a failure at any step finishes the hand-off.
   *
   * @param key the object's final key
   * @param md5 the source MD5 of the staged push
   * @param size the object's size
   * @throws DestinationException when a destination failed, or a copy does not hold the source MD5
   */
  public void promote(String key, String md5, long size) {
    String stagedKey = stagingKey(key);
    for (Map.Entry<String, Destination> e : destinations.entrySet()) {
      Destination d = e.getValue();
      if (holds(d, key, md5)) {
        continue;
      }
      if (!holds(d, stagedKey, md5)) {
        throw new DestinationException(e.getKey(), false, "Cannot promote '" + key + "' on " + e.getKey()
            + ": its staged copy '" + stagedKey + "' is missing or does not hold MD5 " + md5);
      }
      PutResult put = d.put(new WriteRequest(key, size, md5, "application/octet-stream", Map.of(),
          "promote-" + md5.replace('/', '_').replace('+', '-'), "staged", OptionalLong.empty(), () -> open(d,
          stagedKey)));
      if (!put.md5().equals(md5)) {
        throw new DestinationException(e.getKey(), true, "Promoting '" + key + "' on " + e.getKey() + " stored MD5 "
            + put.md5() + ", not the source's " + md5);
      }
    }
    // Staged copies go only now: every final copy above either held the MD5 already or was stored with it.
    for (Destination d : destinations.values()) {
      d.delete(stagedKey);
    }
    LOG.debug("Promoted {} ({}) on {}", key, md5, destinations.keySet());
  }

  /**
   * Finishes the hand-offs that the log's recent transactions show staged and verified but whose staged copies are
   * still there (a process that died between staging and promotion, a promotion that failed). A staged push that
   * is not verified yet (its repair still running, or refused by an open circuit breaker) is skipped, not waited
   * for: after a crash, call {@link DualPushClient#repairAll()} first, and hand off again whatever is not final on
   * every destination afterwards ({@link #handoff} skips a destination whose final key holds the MD5 already).
   *
   * @param limit how many recent transactions to look through
   * @return the final keys promoted
   */
  public List<String> resumePending(int limit) {
    List<String> promoted = new ArrayList<>();
    for (PushReceipt r : client.recent(limit)) {
      if (!r.key().startsWith(stagingPrefix) || !r.isVerified()) {
        continue;
      }
      String key = r.key().substring(stagingPrefix.length());
      boolean staged = destinations.values().stream().anyMatch(d -> holds(d, r.key(), r.md5()));
      if (staged) {
        promote(key, r.md5(), r.size());
        promoted.add(key);
      }
    }
    return promoted;
  }

  private static boolean holds(Destination d, String key, String md5) {
    Optional<ObjectInfo> info = d.head(key);
    return info.isPresent() && info.get().md5().map(md5::equals).orElse(false);
  }

  private static InputStream open(Destination d, String key) {
    return d.get(key).orElseThrow(() -> new DestinationException(d.describe(), false, "The staged copy '" + key
        + "' vanished during its promotion"));
  }

  /** Builds a {@link StagedHandoff}; not thread-safe. */
  public static final class Builder {
    private final DualPushClient client;
    private final Map<String, Destination> destinations = new LinkedHashMap<>();
    private String stagingPrefix = "_staging/";

    private Builder(DualPushClient client) {
      this.client = client;
    }

    /**
     * One of the client's required destinations, under its id.
     *
     * @param id the destination's id in the client
     * @param destination the same instance the client writes
     * @return this builder
     */
    public Builder destination(String id, Destination destination) {
      InvalidInputException.requireNonNull(id, "id");
      InvalidInputException.requireNonNull(destination, "destination");
      if (destinations.putIfAbsent(id, destination) != null) {
        throw new InvalidInputException("destination", "Destination id '" + id + "' is given twice");
      }
      return this;
    }

    /**
     * The prefix of staging keys; {@code _staging/} by default. Readers must not read under it.
     *
     * @param prefix a relative key prefix ending in '/'
     * @return this builder
     */
    public Builder stagingPrefix(String prefix) {
      InvalidInputException.requireNonNull(prefix, "stagingPrefix");
      if (!prefix.endsWith("/")) {
        throw new InvalidInputException("stagingPrefix", "'stagingPrefix' must end with '/'; got " + prefix);
      }
      ObjectKeys.validate(prefix + "x");
      this.stagingPrefix = prefix;
      return this;
    }

    /**
     * The hand-off.
     *
     * @return a new hand-off
     * @throws InvalidInputException when no destination was given
     */
    public StagedHandoff build() {
      if (destinations.isEmpty()) {
        throw new InvalidInputException("destination", "A staged hand-off needs the client's required destinations");
      }
      return new StagedHandoff(this);
    }
  }
}
