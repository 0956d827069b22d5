package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.spi.InferenceEvent;
import io.maasdk.testkit.TestModels;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC over TLS between a GrpcBackend and a GrpcServer with a private certificate, and access
 * control with the tenant of the credentials' principal on calls that arrive over gRPC.
 */
class GrpcTlsTest {

  @Test
  void tls_withAPrivateTrust_andCredentialsCheckedAtTheServer(@TempDir Path dir) throws Exception {
    KeyStore keys = TlsTest.selfSigned(dir);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, TlsTest.PASSWORD);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(TlsTest.trustOnly(keys));
    CallInterceptor onlyKey =
        new CallInterceptor() {
          @Override
          public void beforeCall(io.maasdk.spi.CallContext ctx) {
            if (!"let-me-in".equals(ctx.options().credentials())) {
              throw new AccessDeniedException(
                  ctx.modelName(), null, "no valid key for " + ctx.modelName());
            }
          }
        };
    List<InferenceEvent> served = new CopyOnWriteArrayList<>();
    try (ModelRuntime server =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .interceptor(onlyKey)
                .listener(served::add)
                .build();
        ModelRuntime client =
            ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      server.deploy(DigitsEndpointMain.spec("1.0.0").build());
      try (GrpcServer endpoint =
          GrpcServer.builder(server)
              .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .tls(TlsServerCredentials.newBuilder().keyManager(kmf.getKeyManagers()).build())
              .tenant(
                  key -> key.equals("let-me-in") ? "team-a" : key.equals("wrong") ? "guest" : null)
              .start()) {
        URI uri = URI.create("grpc://127.0.0.1:" + endpoint.port());
        GrpcBackend.Builder remote =
            GrpcBackend.builder(uri)
                .model("digits-mlp")
                .input(TensorCodec.floats("input"))
                .output(TensorCodec.floats("output"));

        // without our trust the server's certificate is refused: the deploy fails
        assertThrows(
            ModelLoadException.class,
            () ->
                client.deploy(
                    ModelSpec.builder("digits", float[].class, float[].class)
                        .version("1.0.0")
                        .backend(remote.tls(TlsChannelCredentials.create()).build())
                        .build()));

        client.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("1.0.0")
                .backend(
                    remote
                        .tls(
                            TlsChannelCredentials.newBuilder()
                                .trustManager(tmf.getTrustManagers())
                                .build())
                        .build())
                .build());
        ModelHandle<float[], float[]> h =
            client.handle("digits", "1.0.0", float[].class, float[].class);
        float[] x = TestModels.digitsTestSet().features()[3];
        float[] want = TestModels.expectedLogits("mlp", "1.0.0")[3];
        AccessDeniedException denied =
            assertThrows(AccessDeniedException.class, () -> h.predict(x));
        assertTrue(denied.getMessage().contains("UNAUTHENTICATED"), denied.getMessage());
        AccessDeniedException wrong =
            assertThrows(
                AccessDeniedException.class,
                () -> h.predict(x, CallOptions.builder().credentials("wrong").build()));
        assertTrue(wrong.getMessage().contains("PERMISSION_DENIED"), wrong.getMessage());
        assertArrayEquals(
            want, h.predict(x, CallOptions.builder().credentials("let-me-in").build()), 1e-4f);
        assertEquals(
            "team-a",
            served.get(served.size() - 1).tenant(),
            "the serving side meters the tenant of the credentials");
        AccessDeniedException unknown =
            assertThrows(
                AccessDeniedException.class,
                () -> h.predict(x, CallOptions.builder().credentials("nobody-secret").build()));
        assertTrue(unknown.getMessage().contains("UNAUTHENTICATED"), unknown.getMessage());
        assertFalse(
            unknown.getMessage().contains("nobody-secret"),
            "credentials never shown: " + unknown.getMessage());
        assertEquals(
            "CLOSED",
            client
                .describe("digits", io.maasdk.Version.parse("1.0.0"))
                .orElseThrow()
                .breakerState(),
            "refusals are not failures of the remote");
      }
    }
  }
}
