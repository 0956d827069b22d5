package io.maasdk.internal;

import io.maasdk.spi.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link StateStore#directory}: one file per key; writes go to a temporary file that is forced to
 * disk, atomically renamed over the key's file, and the directory forced. Leftover temporary files
 * of a crashed write are ignored (and removed by the next write of that key). Thread-safe: writes
 * of one key are serialised by the instance, and a reader sees a whole file.
 */
public final class FileStateStore implements StateStore {
  private static final String SUFFIX = ".state";
  private static final String TMP = ".tmp";

  private final Path dir;

  public FileStateStore(Path directory) {
    this.dir = Objects.requireNonNull(directory, "directory").toAbsolutePath().normalize();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create state directory " + dir, e);
    }
  }

  private Path file(String key) {
    return dir.resolve(
        URLEncoder.encode(Objects.requireNonNull(key, "key"), StandardCharsets.UTF_8) + SUFFIX);
  }

  @Override
  public Optional<byte[]> read(String key) {
    Path f = file(key);
    try {
      return Optional.of(Files.readAllBytes(f));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read state '" + key + "' from " + f, e);
    }
  }

  @Override
  public synchronized void write(String key, byte[] value) {
    Objects.requireNonNull(value, "value");
    Path f = file(key);
    Path tmp = f.resolveSibling(f.getFileName() + TMP);
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(value);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException(
            "the file system of "
                + dir
                + " cannot rename atomically, so it"
                + " cannot hold state crash-safely",
            e);
      }
      forceDirectory();
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the next write of this key replaces it
      }
      throw new UncheckedIOException(
          "cannot write state '" + key + "' to " + f + "; its previous value is intact", e);
    }
  }

  /** Makes the rename itself durable (POSIX); a no-op where directories cannot be opened. */
  private void forceDirectory() throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      if (!System.getProperty("os.name", "")
          .toLowerCase(java.util.Locale.ROOT)
          .startsWith("windows")) {
        throw e instanceof IOException io ? io : new IOException(e);
      }
    }
  }

  @Override
  public synchronized void delete(String key) {
    Path f = file(key);
    try {
      Files.deleteIfExists(f);
      forceDirectory();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete state '" + key + "' at " + f, e);
    }
  }

  @Override
  public List<String> keys(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(SUFFIX))
          .map(
              n ->
                  URLDecoder.decode(
                      n.substring(0, n.length() - SUFFIX.length()), StandardCharsets.UTF_8))
          .filter(k -> k.startsWith(prefix))
          .forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list state directory " + dir, e);
    }
    Collections.sort(out);
    return out;
  }

  @Override
  public String toString() {
    return "StateStore.directory(" + dir + ")";
  }
}
