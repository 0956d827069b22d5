package io.maasdk.security.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owner-only files in RAM-backed tmpfs ({@code /dev/shm} on Linux) for engines that load fastest
 * from a path. Nothing here ever writes to a disk-backed file system: where no tmpfs is found,
 * {@link #write} returns {@code null} and the caller keeps the plaintext on the heap.
 *
 * <p>Each file lives alone in a {@code 0700} folder named after the process id; folders left by
 * a process that died while loading are removed the next time a file is written.
 */
public final class MemoryFiles {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryFiles.class);
  private static final String PREFIX = "maasdk-";
  private static final @Nullable Path ROOT = findRoot();

  private MemoryFiles() {}

  private static @Nullable Path findRoot() {
    Path shm = Path.of("/dev/shm");
    try {
      if (Files.isDirectory(shm) && Files.isWritable(shm)
          && "tmpfs".equals(Files.getFileStore(shm).type())) {
        return shm;
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      LOG.debug("no RAM-backed tmpfs", e);
    }
    return null;
  }

  /** Whether a RAM-backed tmpfs is available here. */
  public static boolean available() {
    return ROOT != null;
  }

  /**
   * Writes {@code bytes[0..len)} to an owner-only file named {@code fileName} in a fresh
   * owner-only folder on tmpfs.
   *
   * @return the file, or {@code null} if there is no tmpfs or writing failed (nothing is left)
   */
  public static @Nullable Path write(String fileName, byte[] bytes, int len) {
    Path root = ROOT;
    if (root == null) {
      return null;
    }
    removeStale(root);
    Path dir = null;
    Path file = null;
    try {
      dir = Files.createTempDirectory(root, PREFIX + ProcessHandle.current().pid() + "-",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      file = dir.resolve(fileName);
      try (FileChannel ch = FileChannel.open(file,
          EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        // In 1 MiB steps: NIO copies a heap buffer through a temporary direct buffer as large as
        // what is written, which for a whole model would be one more model-sized allocation.
        for (int off = 0; off < len; ) {
          ByteBuffer b = ByteBuffer.wrap(bytes, off, Math.min(1 << 20, len - off));
          while (b.hasRemaining()) {
            off += ch.write(b);
          }
        }
      }
      return file;
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not write to tmpfs; keeping the model on the heap", e);
      if (file != null) {
        delete(file);
      } else if (dir != null) {
        deleteQuietly(dir);
      }
      return null;
    }
  }

  /** Deletes a file made by {@link #write} and its folder. */
  public static void delete(Path file) {
    deleteQuietly(file);
    Path dir = file.getParent();
    if (dir != null) {
      deleteQuietly(dir);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", p, e.toString());
    }
  }

  /** Removes folders of ours whose process is gone (killed while loading a model). */
  private static void removeStale(Path root) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, PREFIX + "*")) {
      for (Path dir : ds) {
        String[] parts = dir.getFileName().toString().split("-");
        long pid;
        try {
          pid = Long.parseLong(parts[1]);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
          continue;
        }
        if (ProcessHandle.of(pid).isPresent() || !Files.isWritable(dir)) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
          for (Path f : files) {
            deleteQuietly(f);
          }
        }
        deleteQuietly(dir);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not scan {} for stale files", root, e);
    }
  }
}
