package io.maasdk.ops;

import io.maasdk.Version;
import java.time.Instant;
import java.util.Objects;

/**
 * Something a {@link RepositoryWatcher} did or refused, for its listeners, its log and the {@code
 * maasdk.repository.events} counter. Immutable.
 *
 * @param at when
 * @param model the model
 * @param version the version concerned
 * @param kind what happened
 * @param detail in words: where from, why refused, what still needs it
 */
public record RepositoryEvent(Instant at, String model, Version version, Kind kind, String detail) {

  /** What happened to a version. */
  public enum Kind {
    /** A new version folder settled and was deployed and warmed up. */
    DEPLOYED,
    /** A new version folder could not be deployed (unreadable model, refused signature…). */
    DEPLOY_FAILED,
    /** A version folder disappeared and its version was undeployed. */
    UNDEPLOYED,
    /**
     * A version folder disappeared but its version stays deployed because something needs it (an
     * alias, a fallback, a lease); it is undeployed once nothing does.
     */
    RETAINED,
    /**
     * A deployed version's files changed. A version's content must never change: the change is
     * refused, the version keeps serving what it loaded, and the watcher reports it (error log,
     * event) until the files are put back or the version is undeployed.
     */
    CONTENT_CHANGED,
    /** A changed version's files are back to what was deployed. */
    CONTENT_RESTORED
  }

  /**
   * Checks that no component is null.
   *
   * @param at when
   * @param model the model
   * @param version the version concerned
   * @param kind what happened
   * @param detail in words: where from, why refused, what still needs it
   */
  public RepositoryEvent {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return kind + " " + model + "@" + version + ": " + detail;
  }
}
