package io.maasdk.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PolicySource} that follows a JSON policy file ({@link AccessPolicy#fromJson}): at most
 * once per interval, the first request checked after the interval re-reads the file and, if its
 * content changed, parses it and swaps the new policy in atomically (like {@link
 * SwappablePolicy#swap}). A revoked key is therefore refused at most one interval after the file
 * was replaced, or at once after {@link #reload()}. Replace the file atomically (write a temporary
 * file, then rename it over the old one) so a half-written file is never read.
 *
 * <p>A file that cannot be read or parsed leaves the policy in force unchanged and is logged (once
 * per distinct content) as an error; {@link #reload()} reports it by throwing. Thread-safe:
 * requests never wait for a reload (one thread reloads, the others keep the current policy).
 */
public final class FilePolicySource implements PolicySource {
  private static final Logger LOG = LoggerFactory.getLogger(FilePolicySource.class);
  private static final long MAX_BYTES = 16L << 20;

  private final Path file;
  private final long intervalNanos;
  private final ReentrantLock reloading = new ReentrantLock();
  private volatile AccessPolicy policy;
  private volatile long lastCheck;
  private byte[] lastContent;
  private byte[] lastBadContent = new byte[0];

  private FilePolicySource(Path file, long intervalNanos, byte[] content, AccessPolicy policy) {
    this.file = file;
    this.intervalNanos = intervalNanos;
    this.lastContent = content;
    this.policy = policy;
    this.lastCheck = System.nanoTime();
  }

  /**
   * Follows {@code file}, looking at it at most once a second.
   *
   * @param file the policy file
   * @return the source, holding the file's policy now
   */
  public static FilePolicySource watching(Path file) {
    return watching(file, Duration.ofSeconds(1));
  }

  /**
   * Follows {@code file}, looking at it at most once per {@code interval} ({@link Duration#ZERO}:
   * on every request, which reads the file every time).
   *
   * @param file the policy file
   * @param interval the least time between two looks at the file
   * @return the source, holding the file's policy now
   * @throws IllegalArgumentException if the file is not a valid policy
   * @throws UncheckedIOException if it cannot be read
   */
  public static FilePolicySource watching(Path file, Duration interval) {
    Objects.requireNonNull(file, "file");
    if (interval.isNegative()) {
      throw new IllegalArgumentException("interval must not be negative, was " + interval);
    }
    byte[] content = read(file);
    return new FilePolicySource(file, interval.toNanos(), content, parse(file, content));
  }

  @Override
  public AccessPolicy current() {
    if (System.nanoTime() - lastCheck >= intervalNanos && reloading.tryLock()) {
      try {
        lastCheck = System.nanoTime();
        check(false);
      } finally {
        reloading.unlock();
      }
    }
    return policy;
  }

  /**
   * Reads the file now and swaps its policy in if its content changed.
   *
   * @return whether the policy changed
   * @throws IllegalArgumentException if the file is not a valid policy (the old one stays)
   * @throws UncheckedIOException if it cannot be read (the old one stays)
   */
  public boolean reload() {
    reloading.lock();
    try {
      lastCheck = System.nanoTime();
      return check(true);
    } finally {
      reloading.unlock();
    }
  }

  /** Holds {@link #reloading}. */
  private boolean check(boolean rethrow) {
    byte[] content;
    try {
      content = read(file);
      if (Arrays.equals(content, lastContent)) {
        return false;
      }
      AccessPolicy next = parse(file, content);
      policy = next;
      lastContent = content;
      LOG.info("access policy reloaded from {}: principals {}", file, next.principalIds());
      return true;
    } catch (RuntimeException e) {
      if (rethrow) {
        throw e;
      }
      byte[] bad = Objects.requireNonNullElse(contentOrNull(), new byte[0]);
      if (!Arrays.equals(bad, lastBadContent)) {
        lastBadContent = bad;
        LOG.error(
            "access policy file {} not applied, the previous policy stays in force: {}",
            file,
            e.getMessage());
      }
      return false;
    }
  }

  private byte @Nullable [] contentOrNull() {
    try {
      return read(file);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static byte[] read(Path file) {
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new IllegalArgumentException(
            "the access policy file " + file + " is larger than " + MAX_BYTES + " bytes");
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the access policy file " + file, e);
    }
  }

  private static AccessPolicy parse(Path file, byte[] content) {
    try {
      return AccessPolicy.fromJson(new String(content, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the access policy file " + file + " is not valid: " + e.getMessage(), e);
    }
  }
}
