package io.maasdk.quarkus.test;

import io.maasdk.CallOptions;
import io.maasdk.ModelHandle;
import io.maasdk.Prediction;
import io.maasdk.quarkus.MaasdkModel;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Classifies a digit: 64 comma-separated pixel values in, "label version" out. */
@Path("/digits")
public class DigitsResource {

  @Inject
  @MaasdkModel(name = "digits-mlp", version = "stable")
  ModelHandle<float[], float[]> digits;

  @POST
  @Consumes(MediaType.TEXT_PLAIN)
  @Produces(MediaType.TEXT_PLAIN)
  public String classify(String pixels) {
    String[] parts = pixels.trim().split(",");
    float[] input = new float[parts.length];
    for (int i = 0; i < parts.length; i++) {
      input[i] = Float.parseFloat(parts[i].trim());
    }
    Prediction<float[]> p = digits.predictDetailed(input, CallOptions.ofDefaults());
    return argmax(p.output()) + " " + p.version();
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
