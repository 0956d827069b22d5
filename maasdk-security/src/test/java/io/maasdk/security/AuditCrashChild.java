package io.maasdk.security;

import java.nio.file.Path;

/**
 * Child JVM for {@link AuditLogCrashTest}: opens the audit log (repairing what the last kill left),
 * then appends records until killed, printing {@code ack <seq>} after each append returned. Prints
 * {@code refused <problem>} and exits 3 if the log does not open.
 */
public final class AuditCrashChild {
  private AuditCrashChild() {}

  /**
   * Appends until killed.
   *
   * @param args the audit log's path and its keyset's
   */
  public static void main(String[] args) {
    Path log = Path.of(args[0]);
    var keys = KeysetLoader.insecureCleartext("test").fromFile(Path.of(args[1]));
    AuditLog a;
    try {
      a = AuditLog.open(log, keys);
    } catch (RuntimeException e) {
      System.out.println("refused " + e.getMessage());
      System.out.flush();
      System.exit(3);
      return;
    }
    while (true) {
      long seq = a.append(new AuditLog.Entry("call", "digits", "1.0.0", "acme", "success"));
      System.out.println("ack " + seq);
      System.out.flush();
    }
  }
}
