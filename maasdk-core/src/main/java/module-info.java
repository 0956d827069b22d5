/**
 * maasdk core: the runtime, specs, versions and aliases, devices, batching, the response cache and
 * the SPIs. Only {@code io.maasdk}, {@code io.maasdk.spi} and {@code io.maasdk.codec} are API;
 * {@code io.maasdk.internal} is not exported.
 */
// DJL ships only an Automatic-Module-Name
// "module": the qualified export names a module that is not on core's module path
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic", "module"})
module io.maasdk.core {
  requires transitive ai.djl.api;
  requires static transitive org.jspecify;
  requires com.github.benmanes.caffeine;
  requires org.slf4j;
  requires java.management;
  requires static ai.djl
      .tokenizers; // TextEmbeddingCodec only: an optional dependency its users add

  exports io.maasdk;
  exports io.maasdk.spi;
  exports io.maasdk.codec;
  // The command-line tools' option parser: security's maasdk tool (maasdk-ops, not a named
  // module, reads it from the class path).
  exports io.maasdk.internal.cli to
      io.maasdk.security;
}
