package io.maasdk;

/**
 * The version's bounded queue is full: the call was refused at once and nothing was queued. Back
 * off and retry, add replicas, or raise {@link ModelSpec.Builder#queueCapacity(int)}. Carries no
 * stack trace: it is a flow-control signal, raised at high rates under overload.
 */
public class OverloadedException extends MaasdkException {
  private static final long serialVersionUID = 1L;

  private final int queueCapacity;

  public OverloadedException(String modelName, Version version, int queueCapacity) {
    super(
        modelName,
        version,
        "model "
            + modelName
            + "@"
            + version
            + " is overloaded: its queue of "
            + queueCapacity
            + " requests is full. Retry later, add replicas, or raise queueCapacity.",
        false);
    this.queueCapacity = queueCapacity;
  }

  /** The capacity of the queue that was full. */
  public int queueCapacity() {
    return queueCapacity;
  }
}
