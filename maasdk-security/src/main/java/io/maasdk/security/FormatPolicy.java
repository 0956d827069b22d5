package io.maasdk.security;

import io.maasdk.IntegrityException;
import io.maasdk.Version;
import io.maasdk.security.internal.TorchScriptArchive;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The allow-list of model formats a source hands to an engine. {@link #ofDefaults()} allows
 * TorchScript, ONNX and DJL parameters, and refuses pickled {@code torch.save} checkpoints, which
 * run arbitrary code when unpickled. Immutable and thread-safe.
 *
 * <p>A TorchScript archive is also opened and every pickle in it ({@code data.pkl}, {@code
 * constants.pkl}, the debug pickles) is scanned, without being run, for the globals it would
 * import: only the TorchScript classes compiled from the archive's own {@code code/}, the tensor
 * and storage rebuild types, {@code collections.OrderedDict} and TorchScript's list builders pass
 * (the allow-list of PyTorch's {@code weights_only} loader, narrowed to what TorchScript writes); a
 * zip that merely has a {@code code/} folder but pickles {@code os.system} is refused before the
 * engine sees a byte.
 *
 * <p>An allowed format is not a safe model: it only keeps out formats that execute code by design.
 */
public final class FormatPolicy {
  private static final Logger LOG = LoggerFactory.getLogger(FormatPolicy.class);
  private static final FormatPolicy DEFAULTS =
      new FormatPolicy(
          EnumSet.of(ModelFormat.TORCHSCRIPT, ModelFormat.ONNX, ModelFormat.DJL_PARAMS));

  private final Set<ModelFormat> allowed;

  private FormatPolicy(Set<ModelFormat> allowed) {
    this.allowed = Set.copyOf(allowed);
  }

  /**
   * TorchScript, ONNX and DJL parameters.
   *
   * @return the default allow-list
   */
  public static FormatPolicy ofDefaults() {
    return DEFAULTS;
  }

  /**
   * Exactly {@code formats}. Allowing {@link ModelFormat#PICKLE} or {@link ModelFormat#UNKNOWN}
   * logs a warning: such files can run code when loaded.
   *
   * @param formats the formats allowed
   * @return the policy
   */
  public static FormatPolicy of(Set<ModelFormat> formats) {
    if (formats.contains(ModelFormat.PICKLE) || formats.contains(ModelFormat.UNKNOWN)) {
      LOG.warn("INSECURE: format policy allows {}: pickled files run code when loaded", formats);
    }
    return new FormatPolicy(EnumSet.copyOf(formats));
  }

  /**
   * The formats allowed.
   *
   * @return the allowed formats
   */
  public Set<ModelFormat> allowed() {
    return allowed;
  }

  /**
   * Refuses {@code bytes[0..len)} unless its format is allowed and, for TorchScript, every pickle
   * in the archive imports only allowed globals.
   *
   * @return the detected format
   * @param model the model's name, for messages
   * @param version the version, for messages
   * @param fileName the model file's name
   * @param bytes the file's bytes
   * @param len how many of {@code bytes} hold the file
   * @throws IntegrityException naming the model, the file and why
   */
  ModelFormat check(String model, Version version, String fileName, byte[] bytes, int len) {
    ModelFormat f = ModelFormat.detect(fileName, bytes, len);
    if (allowed.contains(f)) {
      String problem = f == ModelFormat.TORCHSCRIPT ? TorchScriptArchive.problem(bytes, len) : null;
      if (problem != null) {
        throw new IntegrityException(
            model,
            version,
            "refused "
                + model
                + "@"
                + version
                + " file "
                + fileName
                + ": it is laid out as a"
                + " TorchScript archive, but "
                + problem
                + ". Only the globals TorchScript needs"
                + " to rebuild tensors may appear in its pickles; export the model again with"
                + " torch.jit.save");
      }
      return f;
    }
    String why =
        f == ModelFormat.PICKLE
            ? "it is a pickled checkpoint (torch.save or pickle), and unpickling runs arbitrary code."
                + " Export the model with torch.jit.save (TorchScript) or to ONNX instead"
            : "its format is not recognised as TorchScript, ONNX or DJL parameters";
    throw new IntegrityException(
        model,
        version,
        "refused "
            + model
            + "@"
            + version
            + " file "
            + fileName
            + ": "
            + why
            + " (allowed formats: "
            + allowed
            + ")");
  }
}
