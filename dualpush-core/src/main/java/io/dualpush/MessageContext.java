package io.dualpush;

import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One message as its {@link MessageHandler} sees it. Immutable; the payload is never shared for writing.
 */
public final class MessageContext {
  private final String messageId;
  private final byte[] payload;
  private final OptionalLong fencingToken;
  private final boolean redelivered;
  private final String copyKey;

  MessageContext(String messageId, byte[] payload, OptionalLong fencingToken, boolean redelivered, String copyKey) {
    this.messageId = Objects.requireNonNull(messageId, "messageId");
    this.payload = Objects.requireNonNull(payload, "payload");
    this.fencingToken = Objects.requireNonNull(fencingToken, "fencingToken");
    this.redelivered = redelivered;
    this.copyKey = Objects.requireNonNull(copyKey, "copyKey");
  }

  /**
   * The message's id.
   *
   * @return the id it was claimed under
   */
  public String messageId() {
    return messageId;
  }

  /**
   * A copy of the message's payload.
   *
   * @return a new array
   */
  public byte[] payload() {
    return payload.clone();
  }

  /**
   * The payload's size.
   *
   * @return its size in bytes
   */
  public int size() {
    return payload.length;
  }

  /**
   * The fencing token of the active region's lease when the processor has a coordinator: carry it with the side
   * effect so that a store can refuse writes from a worker whose lease was taken over.
   *
   * @return the token, or empty without a coordinator
   */
  public OptionalLong fencingToken() {
    return fencingToken;
  }

  /**
   * Whether an earlier attempt at this message got as far as storing its write-ahead copy and then neither finished
   * nor gave the message back (it crashed, or its claim ran out): its side effect may have happened, in part or in
   * full. A handler whose side effect is not idempotent checks it before doing it again.
   *
   * @return true when the message may have been handled before
   */
  public boolean redelivered() {
    return redelivered;
  }

  /**
   * The key of the message's write-ahead copy in the processor's message store.
   *
   * @return the key
   */
  public String copyKey() {
    return copyKey;
  }

  @Override
  public String toString() {
    return "MessageContext{" + messageId + ", " + payload.length + " bytes" + (redelivered ? ", redelivered" : "")
        + fencingToken.stream().mapToObj(t -> ", token " + t).findFirst().orElse("") + "}";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageContext that && messageId.equals(that.messageId) && Arrays.equals(payload, that.payload)
        && fencingToken.equals(that.fencingToken) && redelivered == that.redelivered;
  }

  @Override
  public int hashCode() {
    return Objects.hash(messageId, Arrays.hashCode(payload), fencingToken, redelivered);
  }
}
