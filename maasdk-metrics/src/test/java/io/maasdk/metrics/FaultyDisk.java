package io.maasdk.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disk that fails on cue, for {@link LedgerSink.Builder#opener}: real files, but writes stop with
 * "No space left on device" once {@link #spaceLeft} bytes are used (after writing what fits, as a
 * real short write does), fsyncs fail while {@link #failSync} is set, and opening fails while
 * {@link #failOpen} is set.
 */
final class FaultyDisk implements LedgerSink.ChannelOpener {
  /** Bytes that may still be written; negative means unlimited. */
  final AtomicLong spaceLeft = new AtomicLong(-1);

  final AtomicBoolean failSync = new AtomicBoolean();
  final AtomicBoolean failOpen = new AtomicBoolean();

  /** Creating a new file fails (no inodes left); existing files still open. */
  final AtomicBoolean failCreate = new AtomicBoolean();

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    if (failCreate.get()
        && java.util.Arrays.asList(options).contains(java.nio.file.StandardOpenOption.CREATE)
        && !java.nio.file.Files.exists(file)) {
      throw new IOException("No space left on device (creating " + file.getFileName() + ")");
    }
    if (failOpen.get()) {
      throw new java.nio.file.AccessDeniedException(file.toString(), null, "Read-only file system");
    }
    return new Channel(FileChannel.open(file, options));
  }

  void full() {
    spaceLeft.set(0);
  }

  void spaceBack() {
    spaceLeft.set(-1);
  }

  private final class Channel extends FileChannel {
    private final FileChannel d;

    Channel(FileChannel delegate) {
      this.d = delegate;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      long left = spaceLeft.get();
      if (left < 0) {
        return d.write(src);
      }
      if (left == 0) {
        throw new IOException("No space left on device");
      }
      int fits = (int) Math.min(left, src.remaining());
      ByteBuffer part = src.slice().limit(fits);
      int n = d.write(part);
      src.position(src.position() + n);
      spaceLeft.addAndGet(-n);
      return n;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (failSync.get()) {
        throw new IOException("Input/output error (fsync)");
      }
      d.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return d.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return d.read(dsts, offset, length);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long n = 0;
      for (int i = offset; i < offset + length; i++) {
        n += write(srcs[i]);
      }
      return n;
    }

    @Override
    public long position() throws IOException {
      return d.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      d.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return d.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      d.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return d.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return d.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return d.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return d.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      d.close();
    }
  }
}
