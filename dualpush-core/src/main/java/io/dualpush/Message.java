package io.dualpush;

import java.util.Arrays;

/**
 * One message of a batch given to {@link MessageProcessor#processAll}: its id and its bytes. Immutable: the payload
 * is copied when the message is made and again by {@link #payload()}, so neither the caller nor a handler can change
 * it afterwards.
 *
 * <pre>{@code
 * List<Message> batch = List.of(new Message("order-41", body41), new Message("order-42", body42));
 * List<ProcessResult> results = processor.processAll(batch, ctx -> orders.place(ctx.payload()));
 * }</pre>
 *
 * <p>The id is checked by the processor (not blank, at most {@value MessageProcessor#MAX_ID_LENGTH} characters), so
 * that a bad id fails the batch with the same message as {@link MessageProcessor#process} gives. Thread-safe.
 *
 * @param id the message's id, unique per message within the dedupe TTL
 * @param payload the message's bytes
 */
public record Message(String id, byte[] payload) {
  /**
   * Copies the payload.
   *
   * @param id the message's id; not null
   * @param payload the message's bytes; not null
   * @throws InvalidInputException when either is null
   */
  public Message {
    InvalidInputException.requireNonNull(id, "id");
    payload = InvalidInputException.requireNonNull(payload, "payload").clone();
  }

  /**
   * A copy of the message's bytes.
   *
   * @return a new array
   */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** The payload itself, for the processor, which never writes to it. */
  byte[] bytes() {
    return payload;
  }

  /**
   * Equal when the ids and the payloads' bytes are equal.
   *
   * @param o another object
   * @return whether it is the same message
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Message that && id.equals(that.id) && Arrays.equals(payload, that.payload);
  }

  @Override
  public int hashCode() {
    return 31 * id.hashCode() + Arrays.hashCode(payload);
  }

  @Override
  public String toString() {
    return "Message{" + id + ", " + payload.length + " bytes}";
  }
}
