package io.maasdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.spi.ManagementRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Interceptors see calls before they are resolved and management operations with credentials. */
class InterceptorTest {

  @Test
  void refusedCall_isNeverQueued_andEmitsOneRefusedEvent() {
    List<InferenceEvent> events = new CopyOnWriteArrayList<>();
    AccessDeniedException denied = new AccessDeniedException("echo", null, "no predict on echo");
    CallInterceptor onlyAcme =
        ctx -> {
          if (!"acme".equals(ctx.options().tenant())) {
            throw denied;
          }
        };
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(onlyAcme)
            .listener(events::add)
            .build()) {
      rt.deploy(Models.echo("echo", "1.0.0").build());
      ModelHandle<float[], float[]> h = rt.handle("echo", "1.0.0", float[].class, float[].class);
      assertSame(denied, assertThrows(AccessDeniedException.class, () -> h.predict(new float[4])));
      assertEquals(1, events.size());
      InferenceEvent e = events.get(0);
      assertEquals(InferenceEvent.Outcome.REFUSED, e.outcome());
      assertNull(e.version());
      assertEquals(0, e.batchSize());
      assertEquals(
          2f, h.predict(new float[] {1, 0, 0, 0}, CallOptions.builder().tenant("acme").build())[0]);
    }
  }

  @Test
  void management_carriesTheAdminsCredentials_andCanBeRefused() {
    List<ManagementRequest> seen = new CopyOnWriteArrayList<>();
    CallInterceptor ops =
        new CallInterceptor() {
          @Override
          public void beforeCall(io.maasdk.spi.CallContext context) {}

          @Override
          public void beforeManagement(ManagementRequest request) {
            seen.add(request);
            if (!"ops-key".equals(request.credentials())) {
              throw new AccessDeniedException(
                  request.modelName(),
                  request.version(),
                  "missing permission " + request.action() + " on " + request.modelName());
            }
          }
        };
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(ops)
            .build()) {
      AccessDeniedException e =
          assertThrows(
              AccessDeniedException.class, () -> rt.deploy(Models.echo("echo", "1.0.0").build()));
      assertTrue(e.getMessage().contains("DEPLOY"));
      assertTrue(rt.deployments().isEmpty(), "nothing was loaded");

      ModelAdmin admin = rt.admin("ops-key");
      admin.deploy(Models.echo("echo", "1.0.0").build());
      admin.setAlias("echo", "stable", Version.parse("1.0.0"));
      assertThrows(AccessDeniedException.class, () -> rt.undeploy("echo", "1.0.0"));
      assertEquals(
          List.of(
              ManagementRequest.Action.DEPLOY,
              ManagementRequest.Action.DEPLOY,
              ManagementRequest.Action.ALIAS,
              ManagementRequest.Action.UNDEPLOY),
          seen.stream().map(ManagementRequest::action).toList());
      assertEquals("stable", seen.get(2).alias());
      assertTrue(!admin.toString().contains("ops-key"));
    }
  }

  @Test
  void afterManagement_saysHowEachPermittedOperationEnded() {
    List<String> ended = new CopyOnWriteArrayList<>();
    CallInterceptor recorder =
        new CallInterceptor() {
          @Override
          public void beforeCall(io.maasdk.spi.CallContext context) {}

          @Override
          public void afterManagement(ManagementRequest request, RuntimeException failure) {
            ended.add(
                request.action()
                    + " "
                    + (failure == null ? "done" : failure.getClass().getSimpleName()));
          }
        };
    try (ModelRuntime rt =
        ModelRuntime.builder()
            .deviceInventory(DeviceInventory.cpuOnly())
            .interceptor(recorder)
            .build()) {
      rt.deploy(Models.echo("echo", "1.0.0").build());
      assertThrows(
          DeploymentConflictException.class, () -> rt.deploy(Models.echo("echo", "1.0.0").build()));
      rt.setAlias("echo", "stable", Version.parse("1.0.0"));
      assertThrows(DeploymentConflictException.class, () -> rt.rollback("echo", "stable"));
      assertThrows(DeploymentConflictException.class, () -> rt.undeploy("echo", "1.0.0"));
      assertEquals(
          List.of(
              "DEPLOY done",
              "DEPLOY DeploymentConflictException",
              "ALIAS done",
              "ROLLBACK DeploymentConflictException",
              "UNDEPLOY DeploymentConflictException"),
          ended);
    }
  }
}
