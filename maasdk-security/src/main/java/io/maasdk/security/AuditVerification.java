package io.maasdk.security;

/**
 * The result of {@link AuditLog#verify}.
 *
 * @param valid whether every record and the head verified
 * @param records how many records verified before the first problem (all of them if valid)
 * @param badRecord the 1-based line of the first bad record; {@code records + 1} when the problem
 *     is that records are missing at the end; {@code 0} if valid
 * @param problem what is wrong and where, {@code "ok"}, or for an interrupted log what the crash
 *     left
 * @param interrupted whether the log is valid but ends as a crash during an append leaves it (a
 *     torn fragment of an unacknowledged record, or a head one record behind); {@link
 *     AuditLog#open} repairs it. Never set for a state that a crash cannot produce.
 */
public record AuditVerification(
    boolean valid, long records, long badRecord, String problem, boolean interrupted) {
  static AuditVerification ok(long records) {
    return new AuditVerification(true, records, 0, "ok", false);
  }

  static AuditVerification interrupted(long records, String what) {
    return new AuditVerification(true, records, 0, what, true);
  }

  static AuditVerification bad(long records, long at, String problem) {
    return new AuditVerification(false, records, at, problem, false);
  }
}
