package io.maasdk.remote;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of one {@link RemoteBackend}: least-outstanding-requests balancing, ejection of an
 * endpoint that fails to take a request (with a backoff that doubles while it keeps failing), and
 * re-admission when its ready check passes after its ejection ends (or when it answers a request
 * while no endpoint is in rotation). A retry budget bounds retries to a fraction of requests, so
 * that retries cannot amplify an overload. Thread-safe.
 */
final class Endpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);

  /** One server. */
  static final class Endpoint {
    final URI base;
    final String hostPort;
    final AtomicInteger outstanding = new AtomicInteger();
    private int failures; // guarded by this
    private volatile long ejectedUntil; // System.nanoTime(); meaningful while ejected
    private volatile boolean ejected;

    /** A ready check of this ejected endpoint is in flight. */
    final java.util.concurrent.atomic.AtomicBoolean probing =
        new java.util.concurrent.atomic.AtomicBoolean();

    Endpoint(URI base) {
      this.base = base;
      this.hostPort =
          base.getHost()
              + ":"
              + (base.getPort() >= 0
                  ? base.getPort()
                  : "https".equals(base.getScheme()) ? 443 : 80);
    }

    URI resolve(String path) {
      String b = base.toString();
      return URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + path);
    }

    boolean available() {
      return !ejected;
    }

    boolean dueForProbe(long now) {
      return ejected && now - ejectedUntil >= 0;
    }
  }

  private final List<Endpoint> all;
  private final long ejectNanos;
  private final long maxEjectNanos;

  /** Retry tokens in thousandths: each request deposits {@code ratio}, each retry costs 1000. */
  private final AtomicLong budget;

  private final long deposit;
  private final long cap;

  Endpoints(List<URI> uris, long ejectNanos, long maxEjectNanos, double retryRatio) {
    List<Endpoint> list = new ArrayList<>();
    uris.forEach(u -> list.add(new Endpoint(u)));
    this.all = List.copyOf(list);
    this.ejectNanos = ejectNanos;
    this.maxEjectNanos = maxEjectNanos;
    this.deposit = Math.round(retryRatio * 1000);
    this.cap = 10_000; // at most 10 retries in a burst
    this.budget = new AtomicLong(cap);
  }

  List<Endpoint> all() {
    return all;
  }

  int size() {
    return all.size();
  }

  /**
   * The available endpoint with the fewest requests outstanding, not in {@code tried}; if every
   * untried one is ejected, the one whose ejection ends first (better a try than a refusal); {@code
   * null} when all were tried.
   */
  @Nullable Endpoint pick(Set<Endpoint> tried) {
    int n = all.size();
    int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
    Endpoint best = null;
    Endpoint soonest = null;
    for (int k = 0; k < n; k++) {
      Endpoint e = all.get((start + k) % n);
      if (tried.contains(e)) {
        continue;
      }
      if (e.available()) {
        if (best == null || e.outstanding.get() < best.outstanding.get()) {
          best = e;
        }
      } else if (soonest == null || e.ejectedUntil - soonest.ejectedUntil < 0) {
        soonest = e;
      }
    }
    return best != null ? best : soonest;
  }

  /**
   * Starts a ready check ({@code probe}, asynchronous) of every ejected endpoint whose ejection has
   * ended, one at a time per endpoint: re-admission comes from the protocol's ready call (or from a
   * request it answers when no endpoint is in rotation), not from live traffic failing.
   */
  void probeDue(java.util.function.Consumer<Endpoint> probe) {
    long now = System.nanoTime();
    for (Endpoint e : all) {
      if (e.dueForProbe(now) && e.probing.compareAndSet(false, true)) {
        probe.accept(e);
      }
    }
  }

  /** A request was made: it feeds the retry budget. */
  void requested() {
    budget.updateAndGet(b -> Math.min(cap, b + deposit));
  }

  /** Takes one retry from the budget, if there is one. */
  boolean tryRetry() {
    while (true) {
      long b = budget.get();
      if (b < 1000) {
        return false;
      }
      if (budget.compareAndSet(b, b - 1000)) {
        return true;
      }
    }
  }

  /** {@code e} answered: it is (again) in rotation. */
  void answered(Endpoint e) {
    if (e.ejected) {
      synchronized (e) {
        if (e.ejected) {
          e.ejected = false;
          e.failures = 0;
          LOG.info("remote endpoint {} answers again: re-admitted", e.base);
        }
      }
    } else if (e.failures != 0) {
      synchronized (e) {
        e.failures = 0;
      }
    }
  }

  /** {@code e} did not take a request: out of rotation for a backoff that doubles each time. */
  void failed(Endpoint e, String why) {
    synchronized (e) {
      e.failures++;
      long backoff = ejectNanos;
      for (int i = 1; i < e.failures && backoff < maxEjectNanos; i++) {
        backoff *= 2;
      }
      backoff = Math.min(backoff, maxEjectNanos);
      e.ejectedUntil = System.nanoTime() + backoff;
      if (!e.ejected) {
        LOG.warn("remote endpoint {} ejected for {} ms: {}", e.base, backoff / 1_000_000, why);
      }
      e.ejected = true;
    }
  }

  boolean ejected(Endpoint e) {
    return e.ejected;
  }
}
