package io.maasdk.spi;

import io.maasdk.internal.FileStateStore;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a runtime keeps what it must remember across restarts: each model's aliases (splits and
 * fallbacks), their rollback stacks and history, and whatever extensions store (maasdk-ops keeps
 * rollout state here). Values are small byte arrays under string keys such as {@code
 * aliases/digits}. Give one to {@link io.maasdk.ModelRuntime.Builder#stateStore}; the runtime reads
 * it when it is built and writes it on every alias move.
 *
 * <p>Built in: {@link #directory(Path)}, a crash-safe file store. Implement this interface for a
 * database or an object store.
 *
 * <p><b>Contract.</b> Implementations must be thread-safe. {@link #write} replaces a key's value
 * atomically and durably: once it returns, a crash of the JVM or the machine leaves either the
 * whole new value or (had it not returned) the whole old one, never a mix. Failures are reported as
 * {@link UncheckedIOException}; the runtime then refuses the operation that needed the write.
 */
public interface StateStore {

  /**
   * The value stored under {@code key}, or empty.
   *
   * @param key the key
   * @return the value, or empty
   * @throws UncheckedIOException if it exists but cannot be read
   */
  Optional<byte[]> read(String key);

  /**
   * Stores {@code value} under {@code key}, atomically replacing any previous value, durably.
   *
   * @param key the key
   * @param value the value
   * @throws UncheckedIOException if it cannot be stored (the previous value is then intact)
   */
  void write(String key, byte[] value);

  /**
   * Removes {@code key}; nothing happens if it is absent.
   *
   * @param key the key
   * @throws UncheckedIOException if it cannot be removed
   */
  void delete(String key);

  /**
   * Every key starting with {@code prefix}, sorted.
   *
   * @param prefix the prefix; empty for every key
   * @return the keys, sorted
   * @throws UncheckedIOException if the store cannot be listed
   */
  List<String> keys(String prefix);

  /**
   * A store in {@code directory} (created if absent): one file per key, each written to a temporary
   * file, forced to disk, then atomically renamed over the old one, and the directory forced, so a
   * crash at any point leaves the old or the new value. Keys may hold any characters; they are
   * encoded into safe file names. Meant for one runtime at a time per directory.
   *
   * @param directory the store's directory
   * @return the store
   * @throws UncheckedIOException if the directory cannot be created
   */
  static StateStore directory(Path directory) {
    return new FileStateStore(directory);
  }
}
