package io.dualpush;

/**
 * How much of a push a client's {@link EventHistory} records ({@link DualPushClientBuilder#historyDetail}).
 *
 * <p>{@link #OUTCOMES}, the default, records what an operator asks about: each push's outcome
 * ({@link DualPushEvent.Type#PUSH_ACKNOWLEDGED}, {@link DualPushEvent.Type#PUSH_NOT_ACKNOWLEDGED},
 * {@link DualPushEvent.Type#DUPLICATE_PUSH}; the acknowledgement's detail is the transaction's state), every copy
 * that failed or differed, repairs and their outcome, dead letters, destinations going down and back up, and
 * every alert. A push that went well leaves one entry; its copies are in its receipt
 * ({@link DualPushClient#receipt}). {@link #STEPS} also records each push's start and every copy written, found
 * unchanged and verified: about six entries per push instead of one, and measurably slower at high push rates
 * (see docs/benchmarks.md), so the same capacity reaches back a sixth as far.
 */
public enum HistoryDetail {
  /** Outcomes, failures, repairs, dead letters, state changes and alerts; not the steps of a push that went well. */
  OUTCOMES,
  /** Everything {@link #OUTCOMES} records, plus each push's start and every copy written, unchanged or verified. */
  STEPS;

  /**
   * Whether a history at this detail records events of {@code type}.
   *
   * @param type an event's type
   * @return false for a push's routine steps at {@link #OUTCOMES}; true otherwise
   */
  public boolean records(DualPushEvent.Type type) {
    if (this == STEPS) {
      return true;
    }
    return switch (type) {
      case PUSH_STARTED, COPY_WRITTEN, COPY_UNCHANGED, COPY_VERIFIED -> false;
      default -> true;
    };
  }
}
