package io.dualpush;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One object to push: its key, its content and what to record with it. Validated on
 * {@link Builder#build()}, before anything is written. Immutable.
 *
 * <pre>{@code
 * PushRequest.builder("gold/sales/2026-11-24.csv", PushContent.ofFile(file))
 *     .datasetId("sales").messageId(message.id()).contentType("text/csv").build();
 * }</pre>
 */
public final class PushRequest {
  /** Metadata names follow Azure's rule (C# identifiers), so every destination can store them. */
  private static final Pattern METADATA_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final int MAX_ID_LENGTH = 512;
  private static final int MAX_METADATA_BYTES = 8 * 1024;

  private final String key;
  private final PushContent content;
  private final String datasetId;
  private final String messageId;
  private final String contentType;
  private final Map<String, String> metadata;

  private PushRequest(Builder b) {
    this.key = b.key;
    this.content = b.content;
    this.datasetId = b.datasetId;
    this.messageId = b.messageId;
    this.contentType = b.contentType;
    this.metadata = Map.copyOf(b.metadata);
  }

  /**
   * A request with no dataset id, message id or metadata, and content type {@code application/octet-stream}.
   *
   * @param key the object's key (see {@link ObjectKeys})
   * @param content the payload
   * @return the request
   * @throws InvalidInputException naming {@code key} or {@code content} when either is refused
   */
  public static PushRequest of(String key, PushContent content) {
    return builder(key, content).build();
  }

  /**
   * A request for in-memory bytes, with no dataset id, message id or metadata.
   *
   * @param key the object's key (see {@link ObjectKeys})
   * @param bytes the payload; not copied, so it must not change until the push completes
   * @return the request
   * @throws InvalidInputException naming {@code key} or {@code content} when either is refused
   */
  public static PushRequest of(String key, byte[] bytes) {
    return builder(key, PushContent.ofBytes(bytes)).build();
  }

  /**
   * Starts a request; the key and content are validated here, the rest as each setter is called.
   *
   * @param key the object's key (see {@link ObjectKeys})
   * @param content the payload
   * @return a new builder
   * @throws InvalidInputException naming {@code key} or {@code content} when either is refused
   */
  public static Builder builder(String key, PushContent content) {
    return new Builder(key, content);
  }

  /**
   * The object's key, the same at every destination.
   *
   * @return the validated key
   */
  public String key() {
    return key;
  }

  /**
   * The payload.
   *
   * @return the content
   */
  public PushContent content() {
    return content;
  }

  /**
   * The dataset id, if given.
   *
   * @return the dataset id, or empty
   */
  public Optional<String> datasetId() {
    return datasetId.isEmpty() ? Optional.empty() : Optional.of(datasetId);
  }

  /**
   * The message id used for exactly-once processing, if given.
   *
   * @return the message id, or empty
   */
  public Optional<String> messageId() {
    return messageId.isEmpty() ? Optional.empty() : Optional.of(messageId);
  }

  /**
   * The MIME type stored with every copy.
   *
   * @return the content type; {@code application/octet-stream} unless set
   */
  public String contentType() {
    return contentType;
  }

  /**
   * User metadata stored with every copy, in the order given.
   *
   * @return an unmodifiable map of names to values
   */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Builder; each setter validates and names its field. */
  public static final class Builder {
    private final String key;
    private final PushContent content;
    private String datasetId = "";
    private String messageId = "";
    private String contentType = "application/octet-stream";
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private Builder(String key, PushContent content) {
      this.key = ObjectKeys.validate(key);
      this.content = InvalidInputException.requireNonNull(content, "content");
    }

    /**
     * Sets the dataset this object belongs to; recorded in the log and in each copy's metadata.
     *
     * @param datasetId 1 to 512 printable ASCII characters without spaces
     * @return this builder
     * @throws InvalidInputException naming {@code datasetId} when it is null or malformed
     */
    public Builder datasetId(String datasetId) {
      this.datasetId = id(datasetId, "datasetId");
      return this;
    }

    /**
     * An id that makes the push exactly-once within the dedupe TTL.
     *
     * @param messageId 1 to 512 printable ASCII characters without spaces, such as the id of the queue
     *     message that asked for the push
     * @return this builder
     * @throws InvalidInputException naming {@code messageId} when it is null or malformed
     */
    public Builder messageId(String messageId) {
      this.messageId = id(messageId, "messageId");
      return this;
    }

    /**
     * Sets the MIME type stored with every copy.
     *
     * @param contentType 1 to 255 printable ASCII characters, such as {@code text/csv}
     * @return this builder
     * @throws InvalidInputException naming {@code contentType} when it is null or malformed
     */
    public Builder contentType(String contentType) {
      InvalidInputException.requireNonNull(contentType, "contentType");
      if (contentType.isBlank() || contentType.length() > 255 || !contentType.chars().allMatch(c -> c > 31 && c < 127)) {
        throw new InvalidInputException("contentType",
            "'contentType' must be 1-255 printable ASCII characters.");
      }
      this.contentType = contentType;
      return this;
    }

    /**
     * Adds one metadata entry, replacing an earlier value of the same name. Names follow Azure's rule so that
     * every destination can store them; names starting with {@code dualpush_} are reserved.
     *
     * @param name a letter or '_' followed by up to 63 letters, digits or '_'
     * @param value printable ASCII; all names and values together are at most 8 KiB
     * @return this builder
     * @throws InvalidInputException naming {@code metadata} when the entry is refused; the builder is then
     *     unchanged
     */
    public Builder metadata(String name, String value) {
      InvalidInputException.requireNonNull(name, "metadata");
      InvalidInputException.requireNonNull(value, "metadata");
      if (!METADATA_NAME.matcher(name).matches()) {
        throw new InvalidInputException("metadata", "'metadata' name '" + name
            + "' must be a letter or '_' followed by up to 63 letters, digits or '_'.");
      }
      if (name.toLowerCase(java.util.Locale.ROOT).startsWith("dualpush_")) {
        throw new InvalidInputException("metadata", "'metadata' name '" + name + "' uses the reserved prefix 'dualpush_'.");
      }
      if (!value.chars().allMatch(c -> c > 31 && c < 127)) {
        throw new InvalidInputException("metadata", "'metadata' value of '" + name + "' must be printable ASCII.");
      }
      // Checked before the entry is stored, so a refused entry never stays in the builder.
      int bytes = name.length() + value.length() + metadata.entrySet().stream()
          .filter(e -> !e.getKey().equals(name)).mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
      if (bytes > MAX_METADATA_BYTES) {
        throw new InvalidInputException("metadata", "'metadata' exceeds " + MAX_METADATA_BYTES + " bytes in all.");
      }
      metadata.put(name, value);
      return this;
    }

    /**
     * Adds every entry of {@code entries}, all or nothing: one refused entry adds none of them.
     *
     * @param entries metadata names and values, as for {@link #metadata(String, String)}
     * @return this builder
     * @throws InvalidInputException naming {@code metadata} when an entry is refused
     */
    public Builder metadata(Map<String, String> entries) {
      InvalidInputException.requireNonNull(entries, "metadata");
      Map<String, String> before = new LinkedHashMap<>(metadata);
      try {
        entries.forEach(this::metadata);
      } catch (RuntimeException e) {
        // All or nothing: a map with one bad entry adds none of them.
        metadata.clear();
        metadata.putAll(before);
        throw e;
      }
      return this;
    }

    /**
     * Snapshots the request.
     *
     * @return the immutable request
     */
    public PushRequest build() {
      return new PushRequest(this);
    }

    private static String id(String value, String field) {
      InvalidInputException.requireNonNull(value, field);
      if (value.isBlank() || value.length() > MAX_ID_LENGTH || !value.chars().allMatch(c -> c > 32 && c < 127)) {
        throw new InvalidInputException(field, "'" + field + "' must be 1-" + MAX_ID_LENGTH
            + " printable ASCII characters without spaces.");
      }
      return value;
    }
  }
}
