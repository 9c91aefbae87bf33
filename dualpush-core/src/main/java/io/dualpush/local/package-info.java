/**
 * Embedded defaults that need no server: a local-directory destination, a durable file transaction
 * log, the file log's dedupe store ({@link io.dualpush.local.FileDedupeStore}, which keeps message ids
 * across restarts) and in-process dedupe and lease stores.
 *
 * <h2 id="file-log-format">The file transaction log on disk</h2>
 * A {@link io.dualpush.local.FileTransactionLog} in directory {@code DIR} is these files:
 * <pre>
 * DIR/.lock                                  held (flock) while a writer has the log open
 * DIR/segment-00000000000000000000.wal       records 0 .. n-1
 * DIR/segment-00000000000000001234.wal       records from sequence 1234 (the 20-digit name is the
 *                                            sequence number of the segment's first record)
 * DIR/quarantine/segment-....wal             damaged segments moved aside (only when asked to)
 * DIR/dedupe/journal-....dj                  message ids marked done, when a client's default
 *                                            FileDedupeStore runs beside the log
 * DIR/quarantine/gap-FIRST-LAST.accepted     records FIRST..LAST are missing and the loss was accepted
 * </pre>
 * A segment is a plain run of records, with no header; each record is framed as
 * <pre>
 * [int32 length L][int32 CRC32C of the next L bytes][byte type][byte version][L-2 bytes payload]
 * </pre>
 * big-endian, where {@code type, version, payload} are exactly {@code io.dualpush.log.LogEntryCodec.encode}'s
 * output (the codec's first two bytes are the entry type and format version, so they are covered
 * by the checksum and readers refuse versions they do not know). A transaction's state that the
 * log copies forward or restates is written as a unit: a record of type 6 counting the records that
 * follow, which replay whole or not at all (a unit cut short by a crash is part of the torn tail).
 * A single-file log of the previous release ({@code DIR/transactions.log}, the same frames) is
 * adopted as the first segment.
 */
@NullMarked
package io.dualpush.local;

import org.jspecify.annotations.NullMarked;
