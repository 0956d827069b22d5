package io.maasdk.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.maasdk.AccessDeniedException;
import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.ModelLoadException;
import io.maasdk.ModelRuntime;
import io.maasdk.ModelSpec;
import io.maasdk.spi.CallInterceptor;
import io.maasdk.spi.DeviceInventory;
import io.maasdk.testkit.TestModels;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS between a RemoteBackend and an OipServer with a private certificate (made by the JDK's
 * keytool), and access control applied to calls that arrive over the network.
 */
class TlsTest {
  static final char[] PASSWORD = "changeit-test-only".toCharArray();

  /** A PKCS#12 key store with a self-signed certificate for 127.0.0.1 and localhost. */
  static KeyStore selfSigned(Path dir) throws Exception {
    Path file = dir.resolve("server.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                file.toString(),
                "-storepass",
                new String(PASSWORD))
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, PASSWORD);
    }
    return ks;
  }

  static KeyStore trustOnly(KeyStore server) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", server.getCertificate("server"));
    return trust;
  }

  @Test
  void https_withAPrivateTrustStore_andCredentialsCheckedByTheServersInterceptor(@TempDir Path dir)
      throws Exception {
    KeyStore keys = selfSigned(dir);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
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
    java.util.List<io.maasdk.spi.InferenceEvent> served =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ModelRuntime server =
            ModelRuntime.builder()
                .deviceInventory(DeviceInventory.cpuOnly())
                .interceptor(onlyKey)
                .listener(served::add)
                .build();
        ModelRuntime client =
            ModelRuntime.builder().deviceInventory(DeviceInventory.cpuOnly()).build()) {
      server.deploy(DigitsEndpointMain.spec("1.0.0").build());
      try (OipServer endpoint =
          OipServer.builder(server)
              .serve("digits-mlp", TensorCodec.floats("input"), TensorCodec.floats("output"))
              .tls(serverTls)
              .tenant(
                  key -> key.equals("let-me-in") ? "team-a" : key.equals("wrong") ? "guest" : null)
              .start()) {
        URI uri = URI.create("https://127.0.0.1:" + endpoint.port());
        RemoteBackend.Builder remote =
            RemoteBackend.builder(uri)
                .model("digits-mlp")
                .input(TensorCodec.floats("input"))
                .output(TensorCodec.floats("output"));

        // without our trust store the server's certificate is refused: the deploy fails
        assertThrows(
            ModelLoadException.class,
            () ->
                client.deploy(
                    ModelSpec.builder("digits", float[].class, float[].class)
                        .version("1.0.0")
                        .backend(remote.build())
                        .build()));

        client.deploy(
            ModelSpec.builder("digits", float[].class, float[].class)
                .version("1.0.0")
                .backend(
                    remote
                        .trustStore(trustOnly(keys))
                        .httpVersion(HttpClient.Version.HTTP_2)
                        .build())
                .build());
        ModelHandle<float[], float[]> h =
            client.handle("digits", "1.0.0", float[].class, float[].class);
        float[] x = TestModels.digitsTestSet().features()[3];
        float[] want = TestModels.expectedLogits("mlp", "1.0.0")[3];
        AccessDeniedException denied =
            assertThrows(AccessDeniedException.class, () -> h.predict(x));
        assertTrue(denied.getMessage().contains("401"), denied.getMessage());
        assertThrows(
            AccessDeniedException.class,
            () -> h.predict(x, CallOptions.builder().credentials("wrong").build()));
        assertArrayEquals(
            want, h.predict(x, CallOptions.builder().credentials("let-me-in").build()), 1e-4f);
        assertEquals(
            "team-a",
            served.get(served.size() - 1).tenant(),
            "the serving side meters the tenant of the credentials");
        AccessDeniedException unknown =
            assertThrows(
                AccessDeniedException.class,
                () -> h.predict(x, CallOptions.builder().credentials("nobody").build()));
        assertTrue(
            unknown.getMessage().contains("401") && !unknown.getMessage().contains("nobody"),
            unknown.getMessage());
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
