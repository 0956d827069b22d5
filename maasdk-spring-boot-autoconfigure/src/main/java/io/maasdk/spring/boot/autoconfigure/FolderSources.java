package io.maasdk.spring.boot.autoconfigure;

import io.maasdk.ModelSource;
import java.nio.file.Path;

/**
 * How a model folder declared in properties is opened: plainly by default, or verified (a signed
 * manifest) when maasdk-security requires signatures. A bean of this type replaces the default.
 * Implementations must be thread-safe.
 */
@FunctionalInterface
interface FolderSources {

  /** The source for one version's folder. */
  ModelSource open(Path folder);

  /** Whether single files and classpath locations are acceptable (not when signatures are). */
  default boolean allowsUnsignedLocations() {
    return true;
  }
}
