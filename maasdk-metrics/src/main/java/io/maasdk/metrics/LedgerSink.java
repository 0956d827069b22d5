package io.maasdk.metrics;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable ledger of usage records: JSON Lines files in one directory, named {@code
 * usage-YYYYMMDD-NNNNNN.jsonl} (UTC day of the records, then a sequence), one {@link
 * UsageRecord#toJson()} per line. A new file starts when the current one would pass {@link
 * Builder#maxFileBytes} or a record falls on another UTC day.
 *
 * <p><b>Durability.</b> Each batch is written as complete lines, then synced as the {@link
 * FsyncPolicy} says. A batch is all or nothing:
 *
 * <ul>
 *   <li><b>Write failures</b> (disk full, I/O error, a failed fsync under {@link
 *       FsyncPolicy#always()}): {@link #write} cuts every file it touched back to where that batch
 *       began and throws, so none of the batch's records is in the ledger and the caller can count
 *       them all as failed. If even that cut fails, the file is cut back before the next write, and
 *       until that succeeds every write fails; a record is never glued onto a partial line.
 *   <li><b>Crashes</b> (even {@code kill -9} or a power loss mid-write): {@link #open} finds a torn
 *       last line (bytes after the last newline) in any file and truncates it away, so the next
 *       record starts on a clean line; every line that was complete stays.
 *   <li><b>Background fsync failures</b> ({@link FsyncPolicy#every}): the next {@link #flush()}
 *       throws, because the records written since the last good fsync may not be on the device.
 * </ul>
 *
 * <p>A record is written once: the sink never retries a write, and {@link LedgerReader} also
 * ignores a repeated record id.
 *
 * <p><b>Start.</b> {@link #open} creates the directory if it is missing, then proves it can write
 * there; a directory that cannot be created or written fails at once with an {@link IOException}
 * saying so, not on the first call.
 *
 * <p><b>Thread safety and lifecycle.</b> Thread-safe (methods are synchronized). One sink per
 * directory per process: two writers on the same directory would interleave files. {@link #close()}
 * syncs and closes the file and stops the background sync timer.
 */
public final class LedgerSink implements UsageSink {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerSink.class);
  static final Pattern FILE_NAME = Pattern.compile("usage-(\\d{8})-(\\d{6})\\.jsonl");

  private final Path dir;
  private final FsyncPolicy fsync;
  private final long maxFileBytes;
  private final @Nullable ScheduledExecutorService syncTimer;
  private final long truncatedBytes;
  private final ChannelOpener opener;
  private @Nullable FileChannel channel;
  private @Nullable Path currentFile;
  private @Nullable LocalDate currentDay;
  private int sequence;

  /** Bytes of complete records in the current file. */
  private long size;

  private boolean dirty;
  private boolean closed;

  /** Files a failed write could not cut back yet, with the size to cut them to. */
  private final Map<Path, Long> repairs = new LinkedHashMap<>();

  /** Records written since the last successful fsync (for {@link #unsyncedRecords()}). */
  private volatile long unsynced;

  private @Nullable IOException syncFailure;

  private LedgerSink(Builder b) throws IOException {
    this.dir = b.dir;
    this.fsync = b.fsync;
    this.maxFileBytes = b.maxFileBytes;
    this.opener = b.opener;
    checkWritable(dir, opener);
    long truncated = 0;
    for (Path file : files(dir)) {
      truncated += truncateTornLine(file);
      Matcher m = FILE_NAME.matcher(file.getFileName().toString());
      if (m.matches()) {
        sequence = Math.max(sequence, Integer.parseInt(m.group(2)));
      }
    }
    this.truncatedBytes = truncated;
    if (truncated > 0) {
      LOG.warn("ledger {}: removed {} byte(s) of torn record(s) left by a crash", dir, truncated);
    }
    Duration interval = fsync.interval();
    if (interval != null) {
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "maasdk-ledger-sync");
                t.setDaemon(true);
                return t;
              });
      long nanos = interval.toNanos();
      timer.scheduleAtFixedRate(this::syncQuietly, nanos, nanos, TimeUnit.NANOSECONDS);
      this.syncTimer = timer;
    } else {
      this.syncTimer = null;
    }
  }

  /**
   * Opens (creating if needed, recovering after a crash) the ledger in {@code dir}.
   *
   * @param dir the ledger's directory
   * @param fsync when written records are forced to the device
   * @return the open sink
   * @throws IOException if the directory cannot be created or written, or recovery failed
   */
  public static LedgerSink open(Path dir, FsyncPolicy fsync) throws IOException {
    return builder(dir).fsync(fsync).build();
  }

  /**
   * A builder for the ledger in {@code dir}, with the defaults each of its methods names.
   *
   * @param dir the ledger's directory
   * @return a new builder
   */
  public static Builder builder(Path dir) {
    return new Builder(dir);
  }

  /** Ledger files in {@code dir}, oldest first. */
  static List<Path> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> FILE_NAME.matcher(p.getFileName().toString()).matches())
          .sorted((a, c) -> a.getFileName().toString().compareTo(c.getFileName().toString()))
          .toList();
    }
  }

  /** Creates {@code dir} if missing and proves a file can be created and written in it. */
  private static void checkWritable(Path dir, ChannelOpener opener) throws IOException {
    try {
      Files.createDirectories(dir);
    } catch (IOException | SecurityException e) {
      throw new IOException(
          "ledger directory "
              + dir.toAbsolutePath()
              + " does not exist and"
              + " cannot be created ("
              + e
              + "); create it or choose another directory",
          e);
    }
    Path probe = dir.resolve(".maasdk-ledger-probe");
    try (FileChannel ch =
        opener.open(
            probe,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
    } catch (IOException | SecurityException e) {
      throw new IOException(
          "ledger directory "
              + dir.toAbsolutePath()
              + " is not writable ("
              + e
              + "); usage records could not be kept. Fix its permissions or mount, or choose"
              + " another directory",
          e);
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException ignored) {
        // a read-only directory: the probe was never created
      }
    }
  }

  /** Removes bytes after the last newline; returns how many. */
  private long truncateTornLine(Path file) throws IOException {
    try (FileChannel ch = opener.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long end = ch.size();
      long pos = end;
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (pos > 0) {
        int n = (int) Math.min(buf.capacity(), pos);
        buf.clear().limit(n);
        long from = pos - n;
        while (buf.hasRemaining()) {
          if (ch.read(buf, from + buf.position()) < 0) {
            throw new IOException("unexpected end of " + file);
          }
        }
        for (int i = n - 1; i >= 0; i--) {
          if (buf.get(i) == '\n') {
            long keep = from + i + 1;
            if (keep < end) {
              ch.truncate(keep);
              ch.force(true);
            }
            return end - keep;
          }
        }
        pos = from;
      }
      if (end > 0) {
        ch.truncate(0);
        ch.force(true);
      }
      return end;
    }
  }

  /**
   * Bytes of torn records removed when this sink opened (0 after a clean shutdown).
   *
   * @return the number of bytes removed
   */
  public long recoveredTornBytes() {
    return truncatedBytes;
  }

  /**
   * The directory this ledger writes to.
   *
   * @return the directory
   */
  public Path directory() {
    return dir;
  }

  /**
   * Records written by {@link #write} that are not yet known to be on the storage device (not yet
   * fsynced): what a power loss or OS crash could take. A process crash cannot: they are in the
   * operating system's page cache.
   *
   * @return the number of records not yet forced to the device
   */
  public long unsyncedRecords() {
    return unsynced;
  }

  /**
   * Appends {@code records} as complete lines, all or nothing (see the class comment); with {@link
   * FsyncPolicy#always()} they are on the device when it returns.
   *
   * @throws IOException if the batch could not be written (or fsynced under {@code always()}); then
   *     none of its records is in the ledger
   */
  @Override
  public synchronized void write(List<UsageRecord> records) throws IOException {
    if (closed) {
      throw new IOException("ledger " + dir + " is closed");
    }
    repair();
    Map<Path, Long> touched = new LinkedHashMap<>();
    try {
      writeLines(records, touched);
      if (fsync.syncsEveryWrite()) {
        sync();
      } else {
        unsynced += records.size();
      }
    } catch (IOException | RuntimeException | Error e) {
      rollBack(touched, e);
      throw e;
    }
  }

  /** Cuts every file touched by a failed batch back to where the batch began. */
  private void rollBack(Map<Path, Long> touched, Throwable failure) {
    repairs.putAll(touched);
    if (currentFile != null && touched.containsKey(currentFile)) {
      size = touched.get(currentFile);
    }
    try {
      repair();
    } catch (IOException e) {
      failure.addSuppressed(e);
      LOG.error(
          "ledger {}: could not cut back a failed write ({}); the next write tries again",
          dir,
          e.toString());
    }
  }

  /** Cuts files left by failed writes back to their last complete record; throws if it cannot. */
  private void repair() throws IOException {
    while (!repairs.isEmpty()) {
      Map.Entry<Path, Long> r = repairs.entrySet().iterator().next();
      Path file = r.getKey();
      long keep = r.getValue();
      try (FileChannel ch = opener.open(file, StandardOpenOption.WRITE)) {
        if (ch.size() > keep) {
          ch.truncate(keep);
          ch.force(true);
        }
      } catch (IOException e) {
        throw new IOException(
            "ledger file "
                + file
                + " still holds a partial write that could"
                + " not be cut back to "
                + keep
                + " bytes ("
                + e
                + "); not writing after it",
            e);
      }
      repairs.remove(file);
      if (file.equals(currentFile)) {
        size = keep;
      }
    }
  }

  private void writeLines(List<UsageRecord> records, Map<Path, Long> touched) throws IOException {
    // Every line encoded once, into one buffer: line i is bytes [ends[i-1], ends[i]).
    Lines lines = new Lines(records.size() * 200);
    int[] ends = new int[records.size()];
    try (JsonGenerator g = JsonSupport.FACTORY.createGenerator(lines, JsonEncoding.UTF8)) {
      g.setRootValueSeparator(null);
      for (int i = 0; i < ends.length; i++) {
        records.get(i).writeJson(g);
        g.flush();
        lines.write('\n');
        ends[i] = lines.size();
      }
    }
    byte[] bytes = lines.bytes();
    int from = 0; // first byte not yet appended
    for (int i = 0; i < ends.length; i++) {
      int start = i == 0 ? 0 : ends[i - 1];
      LocalDate day = LocalDate.ofInstant(records.get(i).timestamp(), ZoneOffset.UTC);
      long pendingBytes = start - from;
      long lineBytes = ends[i] - start;
      boolean full = size + pendingBytes + lineBytes > maxFileBytes && size + pendingBytes > 0;
      if (channel == null || !day.equals(currentDay) || full) {
        append(bytes, from, start, touched);
        from = start;
        rotate(day);
      }
    }
    append(bytes, from, ends.length == 0 ? 0 : ends[ends.length - 1], touched);
  }

  /** A byte buffer whose array is read without a copy. */
  private static final class Lines extends java.io.ByteArrayOutputStream {
    Lines(int size) {
      super(size);
    }

    byte[] bytes() {
      return buf;
    }
  }

  /** Closes the current file (synced) and starts the next one. */
  private void rotate(LocalDate day) throws IOException {
    FileChannel old = channel;
    if (old != null) {
      channel = null;
      currentFile = null;
      try {
        old.force(false);
        unsynced = 0;
      } finally {
        old.close();
      }
    }
    sequence++;
    String name = String.format("usage-%s-%06d.jsonl", day.toString().replace("-", ""), sequence);
    Path file = dir.resolve(name);
    FileChannel opened =
        opener.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    channel = opened;
    currentFile = file;
    size = opened.size();
    currentDay = day;
    dirty = false;
    if (fsync.syncsEveryWrite()) {
      // make the new file's directory entry durable too
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true);
      } catch (IOException | UnsupportedOperationException ignored) {
        // not every platform can open a directory; the file's own data is still synced
      }
    }
  }

  private void append(byte[] buf, int from, int to, Map<Path, Long> touched) throws IOException {
    if (to <= from) {
      return;
    }
    ByteBuffer bytes = ByteBuffer.wrap(buf, from, to - from);
    FileChannel ch = Objects.requireNonNull(channel);
    touched.putIfAbsent(Objects.requireNonNull(currentFile), size);
    dirty = true;
    long written = 0;
    while (bytes.hasRemaining()) {
      written += ch.write(bytes);
    }
    size += written;
  }

  private synchronized void sync() throws IOException {
    if (channel != null && dirty) {
      channel.force(false);
      dirty = false;
      unsynced = 0;
    }
  }

  private synchronized void syncQuietly() {
    if (closed) {
      return;
    }
    try {
      sync();
    } catch (IOException e) {
      if (syncFailure == null) {
        syncFailure = e;
      }
      LOG.error(
          "ledger {}: background fsync failed ({}); the next flush() reports it",
          dir,
          e.toString());
    }
  }

  /**
   * Forces everything written so far to the storage device.
   *
   * @throws IOException if the fsync fails now, or a background fsync failed since the last flush
   *     (records written before it may not be durable; reported once)
   */
  @Override
  public synchronized void flush() throws IOException {
    IOException earlier = syncFailure;
    syncFailure = null;
    sync();
    if (earlier != null) {
      throw new IOException(
          "ledger "
              + dir
              + ": a background fsync failed since the last flush"
              + " ("
              + earlier
              + "); records written before it may not be durable",
          earlier);
    }
  }

  @Override
  public void close() throws IOException {
    if (syncTimer != null) {
      syncTimer.shutdownNow();
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (channel != null) {
        try {
          channel.force(false);
        } finally {
          channel.close();
        }
      }
    }
  }

  /** Configures a {@link LedgerSink}. */
  public static final class Builder {
    private final Path dir;
    private FsyncPolicy fsync = FsyncPolicy.every(Duration.ofMillis(100));
    private long maxFileBytes = 64L << 20;
    private ChannelOpener opener = FileChannel::open;

    private Builder(Path dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
    }

    /**
     * When to fsync; default every 100 ms.
     *
     * @param fsync the policy
     * @return this builder
     */
    public Builder fsync(FsyncPolicy fsync) {
      this.fsync = Objects.requireNonNull(fsync, "fsync");
      return this;
    }

    /**
     * Start a new file before one would pass this size; default 64 MiB.
     *
     * @param bytes the largest size of a ledger file
     * @return this builder
     */
    public Builder maxFileBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxFileBytes must be >= 1024, was " + bytes);
      }
      this.maxFileBytes = bytes;
      return this;
    }

    /** How files are opened; tests pass one that fails on cue. */
    Builder opener(ChannelOpener opener) {
      this.opener = Objects.requireNonNull(opener, "opener");
      return this;
    }

    /**
     * Opens the ledger, recovering it after a crash.
     *
     * @return the open sink
     * @throws IOException if the directory cannot be created or written, or recovery failed
     */
    public LedgerSink build() throws IOException {
      return new LedgerSink(this);
    }
  }

  /** Opens a ledger file; {@link FileChannel#open(Path, java.nio.file.OpenOption...)} in use. */
  @FunctionalInterface
  interface ChannelOpener {
    FileChannel open(Path file, java.nio.file.OpenOption... options) throws IOException;
  }

  @Override
  public String toString() {
    return "LedgerSink[" + dir + ", " + fsync + "]";
  }
}
