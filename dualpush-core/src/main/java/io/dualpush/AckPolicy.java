package io.dualpush;

/**
 * When a push is acknowledged. {@link #allRequired()} (the default) waits for every required
 * destination to hold a verified copy; {@link #quorum(int)} for that many required destinations.
 * Optional destinations never count and never fail a push. Immutable.
 */
public final class AckPolicy {
  private static final AckPolicy ALL_REQUIRED = new AckPolicy(0);
  private final int quorum;

  private AckPolicy(int quorum) {
    this.quorum = quorum;
  }

  /**
   * Every required destination must hold a verified copy.
   *
   * @return the shared all-required policy, the builder's default
   */
  public static AckPolicy allRequired() {
    return ALL_REQUIRED;
  }

  /**
   * At least {@code count} required destinations must hold a verified copy.
   *
   * @param count how many required destinations must hold a verified copy; at least 1, and at most the number
   *     of required destinations (checked by {@code buildClient()})
   * @return a quorum policy for {@code count} copies
   * @throws InvalidInputException naming {@code quorum} when {@code count} is below 1
   */
  public static AckPolicy quorum(int count) {
    if (count < 1) {
      throw new InvalidInputException("quorum", "'quorum' must be at least 1; got " + count + ".");
    }
    return new AckPolicy(count);
  }

  /**
   * Whether this is {@link #allRequired()}.
   *
   * @return true for {@link #allRequired()}, false for a quorum
   */
  public boolean isAllRequired() {
    return quorum == 0;
  }

  /**
   * The number of verified required copies needed, given how many required destinations there are.
   *
   * @param requiredDestinations how many required destinations the client has
   * @return {@code requiredDestinations} for {@link #allRequired()}, the quorum otherwise
   */
  public int requiredCopies(int requiredDestinations) {
    return quorum == 0 ? requiredDestinations : quorum;
  }

  @Override
  public String toString() {
    return quorum == 0 ? "allRequired" : "quorum(" + quorum + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AckPolicy a && a.quorum == quorum;
  }

  @Override
  public int hashCode() {
    return quorum;
  }
}
