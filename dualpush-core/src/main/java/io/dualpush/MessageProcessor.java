package io.dualpush;

import io.dualpush.spi.DedupeClaim;
import io.dualpush.spi.DedupeStore;
import io.dualpush.spi.Destination;
import io.dualpush.spi.Md5;
import io.dualpush.spi.ObjectInfo;
import io.dualpush.spi.WriteRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes each message once: "check, process, mark" around any handler, on the stores the user already has.
 * {@link #process} claims the message id in the {@link DedupeStore}, stores a write-ahead copy of the message in the
 * message store (durable before the handler runs), runs the handler, and marks the id done with the handler's result
 * reference. A duplicate is answered with the earlier result and the handler does not run; a message claimed by a
 * live worker elsewhere is reported as in progress; a handler that throws gives the claim back for a retry; a worker
 * that dies has its claim run out after the claim TTL. With a coordinator, only the active region processes: a
 * standby is refused with {@link NotActiveException} before anything is claimed or stored, and the handler gets the
 * lease's fencing token. {@link #processAll} does the same for a batch with one claim round trip and one mark
 * round trip for the whole batch.
 *
 * <pre>{@code
 * MessageProcessor processor = MessageProcessor.builder()
 *     .dedupeStore(redisDedupe).messageStore(new FileSystemDestination(dir)).build();
 * ProcessResult r = processor.process(message.id(), message.body(), ctx -> orders.place(ctx.payload()));
 * }</pre>
 *
 * <p>Thread-safe: any number of threads and processes may process messages through the same stores.
 */
public final class MessageProcessor {
  private static final Logger LOG = LoggerFactory.getLogger(MessageProcessor.class);
  /** Prefix of a processed message's outcome in the dedupe store, telling it from a push's. */
  static final String OUTCOME_PREFIX = "msg1|";
  /** Prefix of the write-ahead copies' keys in the message store. */
  public static final String COPY_PREFIX = "messages/";
  /** Metadata key holding the message id (base64url) on a write-ahead copy. */
  public static final String META_MESSAGE_ID = "messageid";
  /** Metadata key holding the processor's dataset on a write-ahead copy. */
  public static final String META_DATASET = "dataset";
  /** The longest message id, in characters. */
  public static final int MAX_ID_LENGTH = 512;

  private final DedupeStore dedupe;
  private final Destination messages;
  private final @Nullable ActiveRegionCoordinator coordinator;
  private final Duration claimTtl;
  private final Duration dedupeTtl;
  private final String dataset;
  private final @Nullable Duration replayHorizon;

  private MessageProcessor(Builder b) {
    this.dedupe = b.dedupe;
    this.messages = b.messages;
    this.coordinator = b.coordinator;
    this.claimTtl = b.claimTtl;
    this.dedupeTtl = b.dedupeTtl;
    this.dataset = b.dataset;
    this.replayHorizon = b.replayHorizon;
  }

  /**
   * A builder.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Processes one message at most once within the dedupe TTL.
   *
   * @param messageId the message's id: not blank, at most {@value #MAX_ID_LENGTH} characters
   * @param payload the message's bytes
   * @param handler the work to do once
   * @return processed now (with the handler's result reference), a duplicate (with the earlier one), or in progress
   *     elsewhere
   * @throws InvalidInputException when an argument is bad, or the id was used before for a different payload
   * @throws NotActiveException when a coordinator is configured and this region is not active
   * @throws MessageHandlerException when the handler threw; the message will be handled again
   * @throws DestinationException when the write-ahead copy could not be stored; the message will be handled again
   */
  public ProcessResult process(String messageId, byte[] payload, MessageHandler handler) {
    checkId(messageId);
    InvalidInputException.requireNonNull(payload, "payload");
    InvalidInputException.requireNonNull(handler, "handler");
    OptionalLong token = coordinator == null ? OptionalLong.empty() : OptionalLong.of(coordinator.requireActive());
    DedupeClaim claim = dedupe.claim(messageId, claimTtl);
    switch (claim.status()) {
      case DUPLICATE:
        return new ProcessResult(messageId, ProcessResult.Status.DUPLICATE,
            Optional.of(resultReference(claim.outcome().orElse(""))));
      case IN_PROGRESS:
        return new ProcessResult(messageId, ProcessResult.Status.IN_PROGRESS_ELSEWHERE, Optional.empty());
      default:
        break;
    }
    String key = copyKey(messageId);
    boolean redelivered;
    try {
      redelivered = storeCopy(key, messageId, payload, token);
    } catch (RuntimeException e) {
      release(messageId);
      throw e;
    }
    String reference;
    try {
      reference = handler.handle(new MessageContext(messageId, payload, token, redelivered, key));
    } catch (Exception e) {
      release(messageId);
      throw new MessageHandlerException(messageId, e);
    } catch (Error e) {
      release(messageId);
      throw e;
    }
    if (reference == null) {
      release(messageId);
      throw new InvalidInputException("handler", "The handler of message '" + messageId
          + "' returned null; it must return a result reference (an empty string if there is none)");
    }
    dedupe.markDone(messageId, OUTCOME_PREFIX + reference, dedupeTtl);
    return new ProcessResult(messageId, ProcessResult.Status.PROCESSED, Optional.of(reference));
  }

  /**
   * Processes a batch of messages, each at most once within the dedupe TTL, with one {@link DedupeStore#claimAll}
   * for the whole batch (one round trip on Redis) and one {@link DedupeStore#markDoneAll} once the batch is handled;
   * in between, each claimed message goes through the same steps as {@link #process}, in input order: write-ahead
   * copy, then the handler. With a coordinator, whether this region is active is checked once, before claiming,
   * and every handler gets that token.
   *
   * <p>An id given more than once in the batch is processed once: its later occurrences are answered as {@link
   * ProcessResult.Status#DUPLICATE} with the first one's result (or as the first one was, when it was a duplicate or
   * in progress elsewhere). Every message is checked before anything is claimed.
   *
   * <p><b>Failures stop the batch.</b> When the handler throws for a message, the messages handled before it are
   * marked done, the failed message's claim and those of all messages not yet handled are released, and a {@link
   * BatchHandlerException} says which message failed, where, and how many were processed before it; the later
   * messages are not handled, so that a batch is handled in order or not past its first failure. A failure to store
   * a write-ahead copy (or a copy that shows the id was used for another payload) ends the batch the same way with
   * that exception. Retrying the whole batch is always safe: the messages already processed come back as
   * duplicates. When {@code markDoneAll} itself fails, the handled messages keep their claims until the claim TTL
   * runs out and are then handled again with {@link MessageContext#redelivered()} set, as after a crash.
   *
   * <p>Every message of a batch is claimed before the first one is handled, and marked done after the last: the
   * claim TTL must be longer than handling the whole batch, and a worker that dies in the middle of a batch leaves
   * all of the batch's handled messages to be redelivered — a handler that is not idempotent checks {@link
   * MessageContext#redelivered()} as it does with {@link #process}.
   *
   * @param messages the batch, in the order to handle it; may be empty
   * @param handler the work to do once per message
   * @return one result per message, in input order: processed now, a duplicate, or in progress elsewhere
   * @throws InvalidInputException when an argument is bad, one id appears twice with different payloads, or an id
   *     was used before for a different payload
   * @throws NotActiveException when a coordinator is configured and this region is not active; nothing was claimed
   * @throws BatchHandlerException when the handler threw for a message; the batch stopped there
   * @throws DestinationException when a write-ahead copy could not be stored; the batch stopped there
   */
  public List<ProcessResult> processAll(List<Message> messages, MessageHandler handler) {
    InvalidInputException.requireNonNull(messages, "messages");
    InvalidInputException.requireNonNull(handler, "handler");
    // Every message is checked before anything is claimed: a bad one refuses the batch, not its second half.
    Map<String, Integer> firstIndex = new LinkedHashMap<>();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      if (m == null) {
        throw new InvalidInputException("messages", "'messages' holds null at index " + i);
      }
      checkId(m.id());
      Integer earlier = firstIndex.putIfAbsent(m.id(), i);
      if (earlier != null && !Arrays.equals(messages.get(earlier).bytes(), m.bytes())) {
        throw new InvalidInputException("messages", "Message id '" + m.id() + "' appears twice in the batch with "
            + "different payloads (index " + earlier + " and " + i + "); nothing was processed");
      }
    }
    if (messages.isEmpty()) {
      return List.of();
    }
    OptionalLong token = coordinator == null ? OptionalLong.empty() : OptionalLong.of(coordinator.requireActive());
    Map<String, DedupeClaim> claims = dedupe.claimAll(firstIndex.keySet(), claimTtl);
    Map<String, ProcessResult> byId = new HashMap<>();
    List<String> claimed = new ArrayList<>();
    for (String id : firstIndex.keySet()) {
      DedupeClaim claim = claims.get(id);
      if (claim == null) {
        throw new IllegalStateException(dedupe + " answered claimAll without an answer for message '" + id + "'");
      }
      switch (claim.status()) {
        case DUPLICATE -> byId.put(id, new ProcessResult(id, ProcessResult.Status.DUPLICATE,
            Optional.of(resultReference(claim.outcome().orElse("")))));
        case IN_PROGRESS -> byId.put(id, new ProcessResult(id, ProcessResult.Status.IN_PROGRESS_ELSEWHERE,
            Optional.empty()));
        default -> claimed.add(id);
      }
    }
    Map<String, String> done = new LinkedHashMap<>();
    int next = 0;
    try {
      for (; next < claimed.size(); next++) {
        String id = claimed.get(next);
        byte[] payload = messages.get(firstIndex.get(id)).bytes();
        String key = copyKey(id);
        boolean redelivered = storeCopy(key, id, payload, token);
        String reference;
        try {
          reference = handler.handle(new MessageContext(id, payload, token, redelivered, key));
        } catch (Exception e) {
          int index = firstIndex.get(id);
          throw new BatchHandlerException(id, index, messages.size(), inputOrder(messages.subList(0, index), byId),
              done.size(), claimed.size() - next, e);
        }
        if (reference == null) {
          throw new InvalidInputException("handler", "The handler of message '" + id + "' returned null; it must "
              + "return a result reference (an empty string if there is none)");
        }
        done.put(id, OUTCOME_PREFIX + reference);
        byId.put(id, new ProcessResult(id, ProcessResult.Status.PROCESSED, Optional.of(reference)));
      }
    } catch (RuntimeException | Error e) {
      // The messages handled so far keep their result; the failed one and the rest go back for a retry.
      try {
        dedupe.markDoneAll(done, dedupeTtl);
      } catch (RuntimeException markFailed) {
        e.addSuppressed(markFailed);
      }
      for (int i = next; i < claimed.size(); i++) {
        release(claimed.get(i));
      }
      throw e;
    }
    if (!done.isEmpty()) {
      dedupe.markDoneAll(done, dedupeTtl);
    }
    return inputOrder(messages, byId);
  }

  /** One result per message, in input order; a later occurrence of an id processed now is its duplicate. */
  private static List<ProcessResult> inputOrder(List<Message> messages, Map<String, ProcessResult> byId) {
    List<ProcessResult> out = new ArrayList<>(messages.size());
    Set<String> seen = new HashSet<>();
    for (Message m : messages) {
      ProcessResult r = byId.get(m.id());
      if (r == null) {
        continue;
      }
      if (!seen.add(m.id()) && r.status() == ProcessResult.Status.PROCESSED) {
        r = new ProcessResult(m.id(), ProcessResult.Status.DUPLICATE, r.resultReference());
      }
      out.add(r);
    }
    return out;
  }

  /**
   * The key of a message's write-ahead copy: {@code messages/<2 hex>/<SHA-256 of the id, hex>}, the same in every
   * process, whatever characters the id holds.
   *
   * @param messageId the message's id
   * @return the key in the message store
   */
  public static String copyKey(String messageId) {
    checkId(messageId);
    String hex = HexFormat.of().formatHex(sha256(messageId));
    return COPY_PREFIX + hex.substring(0, 2) + "/" + hex;
  }

  /** Stores the copy unless it is there already; returns whether it was (an earlier attempt got this far). */
  private boolean storeCopy(String key, String messageId, byte[] payload, OptionalLong token) {
    String md5 = Md5.of(payload);
    Optional<ObjectInfo> existing = messages.head(key);
    if (existing.isPresent()) {
      if (existing.get().md5().map(md5::equals).orElse(existing.get().size() == payload.length)) {
        LOG.debug("Message {} has a write-ahead copy already: an earlier attempt may have handled it", messageId);
        return true;
      }
      throw new InvalidInputException("messageId", "Message id '" + messageId + "' was used before for another "
          + "payload (stored copy " + existing.get().md5().orElse("?") + ", this one " + md5 + "); nothing was "
          + "processed");
    }
    String encodedId = Base64.getUrlEncoder().withoutPadding().encodeToString(messageId.getBytes(StandardCharsets.UTF_8));
    messages.put(new WriteRequest(key, payload.length, md5, "application/octet-stream",
        Map.of(META_MESSAGE_ID, encodedId, META_DATASET, dataset),
        "msg-" + key.substring(key.lastIndexOf('/') + 1).substring(0, 32), dataset, token, () -> new ByteArrayInputStream(payload)));
    return false;
  }

  private void release(String messageId) {
    try {
      dedupe.release(messageId);
    } catch (RuntimeException e) {
      // The claim runs out after its TTL instead; the first failure is what the caller must see.
      LOG.warn("Could not give back the claim of message {}; it runs out in {}: {}", messageId, claimTtl,
          e.toString());
    }
  }

  /** The store holding the write-ahead copies. */
  Destination messageStore() {
    return messages;
  }

  /** The store where ids are claimed and marked done. */
  DedupeStore dedupeStore() {
    return dedupe;
  }

  /** The dataset recorded with every write-ahead copy. */
  String dataset() {
    return dataset;
  }

  /** How long a processed id is remembered. */
  Duration dedupeTtl() {
    return dedupeTtl;
  }

  /** The longest a replay may go back, when one was set. */
  Optional<Duration> replayHorizon() {
    return Optional.ofNullable(replayHorizon);
  }

  private static String resultReference(String outcome) {
    return outcome.startsWith(OUTCOME_PREFIX) ? outcome.substring(OUTCOME_PREFIX.length()) : outcome;
  }

  private static void checkId(String messageId) {
    InvalidInputException.requireNonNull(messageId, "messageId");
    if (messageId.isBlank() || messageId.length() > MAX_ID_LENGTH) {
      throw new InvalidInputException("messageId", "'messageId' must be 1 to " + MAX_ID_LENGTH
          + " characters and not blank; got " + messageId.length() + " characters");
    }
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "MessageProcessor{messages " + messages.describe() + ", claim TTL " + claimTtl + ", dedupe TTL "
        + dedupeTtl + (coordinator == null ? "" : ", " + coordinator.describe()) + "}";
  }

  /** Builds a {@link MessageProcessor}; not thread-safe. */
  public static final class Builder {
    private DedupeStore dedupe;
    private Destination messages;
    private @Nullable ActiveRegionCoordinator coordinator;
    private Duration claimTtl = Duration.ofMinutes(5);
    private Duration dedupeTtl = Duration.ofDays(7);
    private @Nullable Duration replayHorizon;
    private String dataset = "messages";

    private Builder() {}

    /**
     * The dataset the write-ahead copies belong to (a replay can be limited to one); {@code messages} by default.
     *
     * @param dataset not blank, at most 128 characters
     * @return this builder
     */
    public Builder dataset(String dataset) {
      InvalidInputException.requireNonNull(dataset, "dataset");
      if (dataset.isBlank() || dataset.length() > 128) {
        throw new InvalidInputException("dataset", "'dataset' must be 1 to 128 characters and not blank; got "
            + dataset.length() + " characters");
      }
      this.dataset = dataset;
      return this;
    }

    /**
     * Where message ids are claimed and marked done (required): shared by every worker and region, e.g. a
     * {@code RedisDedupeStore}.
     *
     * @param store the dedupe store
     * @return this builder
     */
    public Builder dedupeStore(DedupeStore store) {
      this.dedupe = InvalidInputException.requireNonNull(store, "dedupeStore");
      return this;
    }

    /**
     * Where the write-ahead copies of messages are stored before they are handled (required): an Azure container
     * in production, a {@code FileSystemDestination} on one machine.
     *
     * @param store the message store
     * @return this builder
     */
    public Builder messageStore(Destination store) {
      this.messages = InvalidInputException.requireNonNull(store, "messageStore");
      return this;
    }

    /**
     * Processes only while this region holds the active lease, and hands the handler its fencing token.
     *
     * @param coordinator the coordinator, started by the caller
     * @return this builder
     */
    public Builder coordinator(ActiveRegionCoordinator coordinator) {
      this.coordinator = InvalidInputException.requireNonNull(coordinator, "coordinator");
      return this;
    }

    /**
     * How long a claim holds before a worker that died without finishing is presumed dead and the message is
     * handled again; 5 minutes by default. Longer than the longest handler run.
     *
     * @param ttl more than 0
     * @return this builder
     */
    public Builder claimTtl(Duration ttl) {
      this.claimTtl = Durations.positive(ttl, "claimTtl");
      return this;
    }

    /**
     * How long a processed message's id is remembered, so that a duplicate is recognised; 7 days by default.
     *
     * @param ttl more than 0
     * @return this builder
     */
    public Builder dedupeTtl(Duration ttl) {
      this.dedupeTtl = Durations.positive(ttl, "dedupeTtl");
      return this;
    }

    /**
     * The oldest message a replay may go back to. {@link #build()} refuses a dedupe TTL shorter than it: a replay
     * would re-run messages whose ids were already forgotten.
     *
     * @param horizon more than 0
     * @return this builder
     */
    public Builder replayHorizon(Duration horizon) {
      this.replayHorizon = Durations.positive(horizon, "replayHorizon");
      return this;
    }

    /**
     * The processor.
     *
     * @return a new processor
     * @throws InvalidInputException when a store is missing, or the dedupe TTL is shorter than the replay horizon
     */
    public MessageProcessor build() {
      InvalidInputException.requireNonNull(dedupe, "dedupeStore");
      InvalidInputException.requireNonNull(messages, "messageStore");
      if (replayHorizon != null && dedupeTtl.compareTo(replayHorizon) < 0) {
        throw new InvalidInputException("dedupeTtl", "dedupeTtl (" + dedupeTtl + ") is shorter than replayHorizon ("
            + replayHorizon + "): a replay could re-run messages whose ids were already forgotten, running their "
            + "side effects twice; make dedupeTtl at least " + replayHorizon + " or shorten the replay horizon");
      }
      if (claimTtl.compareTo(dedupeTtl) > 0) {
        throw new InvalidInputException("claimTtl", "claimTtl (" + claimTtl + ") is longer than dedupeTtl ("
            + dedupeTtl + ")");
      }
      return new MessageProcessor(this);
    }
  }
}
