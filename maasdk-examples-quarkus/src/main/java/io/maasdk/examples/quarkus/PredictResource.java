package io.maasdk.examples.quarkus;

import io.maasdk.CallOptions;
import io.maasdk.InvalidInputException;
import io.maasdk.ModelHandle;
import io.maasdk.Prediction;
import io.maasdk.quarkus.MaasdkModel;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * {@code POST /predict} with 64 pixel values (a JSON array) answers the digit, from the {@code
 * digits} model that application.properties deploys, through its {@code stable} alias; {@code POST
 * /predict/cnn} asks the {@code digits-cnn} model. Each call is metered per tenant ({@code
 * X-Tenant} header). Input the model refuses (not 64 values) answers 400 with maasdk's message,
 * which names the model, the version and what was expected.
 */
@Path("/predict")
public class PredictResource {

  /** The answer: the digit and the model version that computed it. */
  public record Answer(int digit, String model, String version) {}

  @Inject
  @MaasdkModel(name = "digits", version = "stable")
  ModelHandle<float[], float[]> digits;

  @Inject
  @MaasdkModel(name = "digits-cnn")
  ModelHandle<float[], float[]> cnn;

  /**
   * Classifies with the {@code digits} model.
   *
   * @param pixels the 8x8 image, 64 values scaled to [0, 1], row by row
   * @param tenant who is calling, for metering
   * @return the digit and the version that answered
   */
  @POST
  public Answer predict(
      float[] pixels, @HeaderParam("X-Tenant") @DefaultValue("anonymous") String tenant) {
    return classify(digits, pixels, tenant);
  }

  /**
   * Classifies with the {@code digits-cnn} model.
   *
   * @param pixels the 8x8 image, 64 values scaled to [0, 1], row by row
   * @param tenant who is calling, for metering
   * @return the digit and the version that answered
   */
  @POST
  @Path("/cnn")
  public Answer predictCnn(
      float[] pixels, @HeaderParam("X-Tenant") @DefaultValue("anonymous") String tenant) {
    return classify(cnn, pixels, tenant);
  }

  /**
   * Input the model refuses is the caller's error.
   *
   * @param e maasdk's exception
   * @return 400 with the message
   */
  @ServerExceptionMapper
  public RestResponse<Map<String, String>> invalidInput(InvalidInputException e) {
    return RestResponse.status(Response.Status.BAD_REQUEST, Map.of("error", e.getMessage()));
  }

  private static Answer classify(
      ModelHandle<float[], float[]> model, float[] pixels, String tenant) {
    Prediction<float[]> p =
        model.predictDetailed(pixels, CallOptions.builder().tenant(tenant).build());
    return new Answer(argmax(p.output()), model.modelName(), p.version().toString());
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
