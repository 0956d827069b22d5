package io.maasdk.ops;

import io.maasdk.ModelRepository;
import io.maasdk.ModelSource;
import io.maasdk.Version;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link RepositoryWatcher} finds a model's versions: the file system built in ({@link
 * #fileSystem(ModelRepository)}), or an object store, an HTTP registry… behind this interface.
 *
 * <p>Implementations must be thread-safe. {@link #list} is called from the watcher's thread on
 * every pass; {@link #changes} once per watcher.
 */
public interface ModelStore {

  /**
   * One version as the store has it now.
   *
   * @param version the version
   * @param source where its bytes come from (what the runtime deploys)
   * @param fingerprint identifies its content (a digest of its files): a version whose fingerprint
   *     changes after it was deployed has changed content, which the watcher refuses
   * @param folder the version's folder on the local file system, for sources that read a folder
   *     themselves (a signature-verifying one, say); {@code null} for stores that have none
   */
  record StoredVersion(
      Version version, ModelSource source, String fingerprint, @Nullable Path folder) {
    /**
     * Checks that {@code version}, {@code source} and {@code fingerprint} are given.
     *
     * @param version the version
     * @param source where its bytes come from
     * @param fingerprint identifies its content
     * @param folder the version's local folder, or {@code null}
     */
    public StoredVersion {
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /**
     * A version with no local folder (an object store, a registry).
     *
     * @param version the version
     * @param source where its bytes come from
     * @param fingerprint identifies its content
     */
    public StoredVersion(Version version, ModelSource source, String fingerprint) {
      this(version, source, fingerprint, null);
    }
  }

  /**
   * Every version of {@code model} the store holds now, ascending. Entries that are not versions
   * are the store's to report (log) and leave out.
   *
   * @param model the model's name
   * @return the model's versions by version, ascending
   * @throws io.maasdk.ModelNotFoundException if the store has nothing for {@code model}
   * @throws UncheckedIOException if the store cannot be read now (the watcher retries later)
   */
  NavigableMap<Version, StoredVersion> list(String model);

  /**
   * A feed that wakes the watcher when {@code model}'s versions may have changed. The default wakes
   * it never: the watcher then polls. Implementations may miss events (the watcher polls anyway, at
   * its poll interval).
   *
   * @param model the model's name
   * @return the feed; the watcher closes it when it stops
   */
  default ChangeFeed changes(String model) {
    return ChangeFeed.NONE;
  }

  /**
   * What the store is, for messages ({@code file:/models}).
   *
   * @return a short description naming the store's location
   */
  String describe();

  /**
   * A file-system {@link ModelRepository}, with file-system events and content digests.
   *
   * @param repository the repository folder's layout and rules
   * @return a store over that folder
   */
  static ModelStore fileSystem(ModelRepository repository) {
    return new FileSystemStore(Objects.requireNonNull(repository, "repository"));
  }

  /** Tells a watcher that something may have changed. */
  interface ChangeFeed extends AutoCloseable {
    /** A feed with no events: the watcher polls. */
    ChangeFeed NONE =
        nanos -> {
          java.util.concurrent.locks.LockSupport.parkNanos(nanos);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
          return false;
        };

    /**
     * Waits up to {@code nanos} for a change.
     *
     * @return whether something may have changed ({@code false}: the time passed)
     * @param nanos the longest wait, in nanoseconds
     * @throws InterruptedException if the watcher is being closed
     */
    boolean await(long nanos) throws InterruptedException;

    @Override
    default void close() {}
  }
}
