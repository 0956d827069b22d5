package io.maasdk.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
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
 * <p><b>Durability.</b> Each batch is written with one {@code write} of complete lines, then synced
 * as the {@link FsyncPolicy} says. After a crash (even {@code kill -9} mid-write) {@link #open}
 * finds a torn last line (bytes after the last newline) in any file and truncates it away, so the
 * next record starts on a clean line; every line that was complete stays. A record is written once:
 * the sink never retries a write, and {@link LedgerReader} also ignores a repeated record id.
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
  private @Nullable FileChannel channel;
  private @Nullable LocalDate currentDay;
  private int sequence;
  private long size;
  private boolean dirty;
  private boolean closed;

  private LedgerSink(Builder b) throws IOException {
    this.dir = b.dir;
    this.fsync = b.fsync;
    this.maxFileBytes = b.maxFileBytes;
    Files.createDirectories(dir);
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
      ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
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

  /** Opens (creating if needed, recovering after a crash) the ledger in {@code dir}. */
  public static LedgerSink open(Path dir, FsyncPolicy fsync) throws IOException {
    return builder(dir).fsync(fsync).build();
  }

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

  /** Removes bytes after the last newline; returns how many. */
  private static long truncateTornLine(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
        StandardOpenOption.WRITE)) {
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

  /** Bytes of torn records removed when this sink opened (0 after a clean shutdown). */
  public long recoveredTornBytes() {
    return truncatedBytes;
  }

  /** The directory this ledger writes to. */
  public Path directory() {
    return dir;
  }

  @Override
  public synchronized void write(List<UsageRecord> records) throws IOException {
    if (closed) {
      throw new IOException("ledger " + dir + " is closed");
    }
    StringBuilder pending = new StringBuilder();
    long pendingBytes = 0;
    for (UsageRecord r : records) {
      LocalDate day = LocalDate.ofInstant(r.timestamp(), ZoneOffset.UTC);
      String line = r.toJson() + "\n";
      long lineBytes = line.getBytes(StandardCharsets.UTF_8).length;
      boolean full = size + pendingBytes + lineBytes > maxFileBytes && size + pendingBytes > 0;
      if (channel == null || !day.equals(currentDay) || full) {
        append(pending);
        pending.setLength(0);
        pendingBytes = 0;
        rotate(day);
      }
      pending.append(line);
      pendingBytes += lineBytes;
    }
    append(pending);
    if (fsync.syncsEveryWrite()) {
      sync();
    }
  }

  /** Closes the current file (synced) and starts the next one. */
  private void rotate(LocalDate day) throws IOException {
    if (channel != null) {
      channel.force(false);
      channel.close();
    }
    sequence++;
    String name = String.format("usage-%s-%06d.jsonl",
        day.toString().replace("-", ""), sequence);
    Path file = dir.resolve(name);
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    size = channel.size();
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

  private void append(CharSequence chunk) throws IOException {
    if (chunk.length() == 0) {
      return;
    }
    ByteBuffer bytes = StandardCharsets.UTF_8.encode(chunk.toString());
    FileChannel ch = Objects.requireNonNull(channel);
    while (bytes.hasRemaining()) {
      size += ch.write(bytes);
    }
    dirty = true;
  }

  private synchronized void sync() throws IOException {
    if (channel != null && dirty) {
      channel.force(false);
      dirty = false;
    }
  }

  private synchronized void syncQuietly() {
    if (closed) {
      return;
    }
    try {
      sync();
    } catch (IOException e) {
      LOG.error("ledger {}: background fsync failed", dir, e);
    }
  }

  @Override
  public synchronized void flush() throws IOException {
    sync();
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

    private Builder(Path dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** When to fsync; default every 100 ms. */
    public Builder fsync(FsyncPolicy fsync) {
      this.fsync = Objects.requireNonNull(fsync, "fsync");
      return this;
    }

    /** Start a new file before one would pass this size; default 64 MiB. */
    public Builder maxFileBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxFileBytes must be >= 1024, was " + bytes);
      }
      this.maxFileBytes = bytes;
      return this;
    }

    /** Opens the ledger, recovering it after a crash. */
    public LedgerSink build() throws IOException {
      return new LedgerSink(this);
    }
  }

  @Override
  public String toString() {
    return "LedgerSink[" + dir + ", " + fsync + "]";
  }
}
