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
 * {@link #create} returns {@code null} and the caller keeps the plaintext on the heap.
 *
 * <p>Each file lives alone in a {@code 0700} folder named after the process id; folders left by a
 * process that died while loading are removed the next time a file is written.
 */
public final class MemoryFiles {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryFiles.class);
  private static final String PREFIX = "maasdk-";
  private static final @Nullable Path ROOT = findRoot();

  private MemoryFiles() {}

  private static @Nullable Path findRoot() {
    Path shm = Path.of("/dev/shm");
    try {
      if (Files.isDirectory(shm)
          && Files.isWritable(shm)
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
   * Creates an owner-only file named {@code fileName} in a fresh owner-only folder on tmpfs.
   *
   * @return a writer, or {@code null} if there is no tmpfs or the file cannot be made
   */
  public static @Nullable Writer create(String fileName) {
    Path root = ROOT;
    if (root == null) {
      return null;
    }
    removeStale(root);
    Path dir = null;
    try {
      dir =
          Files.createTempDirectory(
              root,
              PREFIX + ProcessHandle.current().pid() + "-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path file = dir.resolve(fileName);
      FileChannel ch =
          FileChannel.open(
              file,
              EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      return new Writer(file, ch);
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not create a file in tmpfs; keeping the model on the heap", e);
      if (dir != null) {
        deleteQuietly(dir);
      }
      return null;
    }
  }

  /** Appends to one tmpfs file; keeps its first {@value #HEADER} bytes for format checks. */
  public static final class Writer {
    static final int HEADER = 64;
    private final Path file;
    private final FileChannel channel;
    private final byte[] header = new byte[HEADER];
    private int headerLength;
    private long length;

    private Writer(Path file, FileChannel channel) {
      this.file = file;
      this.channel = channel;
    }

    /** Appends {@code b[off..off+len)}. */
    public void write(byte[] b, int off, int len) throws IOException {
      if (headerLength < HEADER) {
        int n = Math.min(len, HEADER - headerLength);
        System.arraycopy(b, off, header, headerLength, n);
        headerLength += n;
      }
      // In 1 MiB steps: NIO copies a heap buffer through a temporary direct buffer as large as
      // what is written, which for a whole model would be one more model-sized allocation.
      for (int done = 0; done < len; ) {
        ByteBuffer buf = ByteBuffer.wrap(b, off + done, Math.min(1 << 20, len - done));
        while (buf.hasRemaining()) {
          done += channel.write(buf);
        }
      }
      length += len;
    }

    /** The first bytes written (up to {@value #HEADER}); {@link #headerLength} of them are set. */
    public byte[] header() {
      return header;
    }

    public int headerLength() {
      return headerLength;
    }

    public long length() {
      return length;
    }

    /** Closes the file; it stays until {@link #delete}. */
    public Path finish() throws IOException {
      channel.close();
      return file;
    }

    /** Closes and deletes the file and its folder, whatever state they are in. */
    public void abort() {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("closing {} failed", file, e);
      }
      delete(file);
    }
  }

  /** Deletes a file made by {@link #create} and its folder. */
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
