package io.maasdk.security;

/**
 * The result of {@link AuditLog#verify}.
 *
 * @param valid whether every record and the head verified
 * @param records how many records verified before the first problem (all of them if valid)
 * @param badRecord the 1-based line of the first bad record; {@code records + 1} when the problem
 *     is that records are missing at the end; {@code 0} if valid
 * @param problem what is wrong and where, or {@code "ok"}
 */
public record AuditVerification(boolean valid, long records, long badRecord, String problem) {
  static AuditVerification ok(long records) {
    return new AuditVerification(true, records, 0, "ok");
  }

  static AuditVerification bad(long records, long at, String problem) {
    return new AuditVerification(false, records, at, problem);
  }
}
