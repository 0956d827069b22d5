/**
 * maasdk security: encrypted and signed model artifacts, payload protection, keysets, access
 * control and the audit log. Only {@code io.maasdk.security} is API; {@code
 * io.maasdk.security.internal} is not exported, and {@code io.maasdk.security.cli} is the
 * command-line tool's entry point, run from the shaded {@code cli} jar.
 */
// Tink ships only an Automatic-Module-Name
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.maasdk.security {
  requires transitive io.maasdk.core;
  requires transitive com.google.crypto.tink;
  requires static transitive org.jspecify;
  requires org.slf4j;
  requires com.fasterxml.jackson.core;

  exports io.maasdk.security;
}
