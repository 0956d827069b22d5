package io.maasdk.quarkus.runtime;

import io.maasdk.ModelRuntime;
import io.quarkus.arc.BeanDestroyer;
import jakarta.enterprise.context.spi.CreationalContext;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Closes the runtime when the container shuts down (application stop, or a dev-mode reload, so the
 * old runtime's threads and native memory are released before the new one starts). Closing drains
 * admitted calls for up to {@code maasdk.drain-timeout}.
 */
public class ModelRuntimeDestroyer implements BeanDestroyer<ModelRuntime> {
  private static final Logger LOG = Logger.getLogger(ModelRuntimeDestroyer.class);

  @Override
  public void destroy(
      ModelRuntime runtime,
      CreationalContext<ModelRuntime> creationalContext,
      Map<String, Object> params) {
    LOG.info("maasdk: closing the runtime");
    runtime.close();
  }
}
