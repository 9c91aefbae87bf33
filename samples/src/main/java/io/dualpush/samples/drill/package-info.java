/**
 * The disaster-recovery drill sample, {@code dualpush drill}: two region processes sharing a Redis lease and a pair of
 * destinations, a producer that pushes continuously, a SIGKILL of the active region, and a check of every push read
 * back from both destinations. {@link io.dualpush.samples.drill.DrillCommand} is the command; {@link
 * io.dualpush.samples.drill.DrillRegion} the region child process it starts. See {@code samples/drill/README.md}.
 */
package io.dualpush.samples.drill;
