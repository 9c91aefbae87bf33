package io.dualpush;

import java.time.Duration;

/**
 * The backlog as the log sees it (guarantee G5).
 *
 * @param openTransactions transactions not yet verified everywhere (the repair backlog)
 * @param oldestOpenAge how long the oldest open transaction has waited (the lag), zero when none
 * @param deadLettered dead-lettered (abandoned) transactions still held by the log
 * @param inFlightPushes pushes accepted and not yet settled in this client
 */
public record DualPushStats(int openTransactions, Duration oldestOpenAge, int deadLettered, int inFlightPushes) {}
