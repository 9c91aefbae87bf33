package io.dualpush;

import java.util.Objects;

/**
 * Work was refused because this process is not the active holder of its coordinator's lease
 * ({@link ActiveRegionCoordinator}): it stands by, is starting, lost the lease or is closed. A push refused
 * at admission with it was neither logged nor written: the caller still has its data and may push it again
 * once this process is active, or hand it to the active region. A push whose copies found the lease lost
 * while they were being written fails with it too; its copies stay pending for whichever process is active
 * later to repair. Not transient for the push: retrying at once meets the same role.
 *
 * <p>Immutable, so safe to share between threads.
 */
public class NotActiveException extends DualPushException {
  private static final long serialVersionUID = 1L;
  /** The lease's name. */
  private final String lease;
  /** The coordinator's role when the work was refused. */
  private final ActiveRegionCoordinator.Role role;

  /**
   * A refusal naming the lease and the role.
   *
   * @param lease the coordinator's lease name
   * @param role the role the coordinator had
   * @param detail what was refused, a sentence fragment without secrets
   */
  public NotActiveException(String lease, ActiveRegionCoordinator.Role role, String detail) {
    super(message(lease, role, detail));
    this.lease = Objects.requireNonNull(lease, "lease");
    this.role = Objects.requireNonNull(role, "role");
  }

  /**
   * A refusal caused by another failure, such as the {@link StaleFencingTokenException} of a destination that
   * already saw a newer holder.
   *
   * @param lease the coordinator's lease name
   * @param role the role the coordinator had
   * @param detail what was refused, a sentence fragment without secrets
   * @param cause the first failure, kept
   */
  public NotActiveException(String lease, ActiveRegionCoordinator.Role role, String detail, Throwable cause) {
    super(message(lease, role, detail), Objects.requireNonNull(cause, "cause"));
    this.lease = Objects.requireNonNull(lease, "lease");
    this.role = Objects.requireNonNull(role, "role");
  }

  private static String message(String lease, ActiveRegionCoordinator.Role role, String detail) {
    return detail + ": this process is not the active holder of lease '" + lease + "' (role " + role + ")";
  }

  /**
   * The name of the lease this process does not hold.
   *
   * @return the lease's name
   */
  public String lease() {
    return lease;
  }

  /**
   * The coordinator's role when the work was refused.
   *
   * @return the role
   */
  public ActiveRegionCoordinator.Role role() {
    return role;
  }
}
