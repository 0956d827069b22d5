package io.maasdk;

import io.maasdk.internal.Sources;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a model version's bytes come from. Built-ins: {@link #file(Path)}, {@link
 * #directory(Path)}, {@link #classpath(String)}; {@link ModelRepository} finds one per version
 * under a root folder. Other modules wrap sources (maasdk-security decrypts and verifies) without
 * core knowing how.
 *
 * <p>Implementations must be thread-safe and may be opened once per device a version is placed on.
 */
public interface ModelSource {

  /**
   * Opens the artifact for {@code modelName@version}.
   *
   * @param modelName the model being loaded
   * @param version the version being loaded
   * @return the artifact; the caller closes it
   * @throws IOException if the bytes cannot be read; the runtime reports it as a {@link
   *     ModelLoadException} naming {@link #describe()}
   */
  ModelArtifact open(String modelName, Version version) throws IOException;

  /**
   * Where the bytes come from, for messages and health ({@code file:/models/x/1.0.0/model.pt}).
   *
   * @return a short description of the location
   */
  String describe();

  /**
   * A single model file, such as a TorchScript {@code model.pt} or an {@code .onnx} file.
   *
   * @param file the model file
   * @return the source
   * @throws IllegalArgumentException if it is not a readable regular file
   */
  static ModelSource file(Path file) {
    return Sources.file(file);
  }

  /**
   * A directory holding one model: the engine finds its file by the usual names ({@code model.pt},
   * {@code model.onnx}, or the directory's name), and may read side files next to it.
   *
   * @param directory the model's directory
   * @return the source
   * @throws IllegalArgumentException if it is not a directory
   */
  static ModelSource directory(Path directory) {
    return Sources.directory(directory);
  }

  /**
   * A model file on the classpath, read as a stream (nothing is extracted to disk), resolved with
   * the thread's context class loader, else maasdk's.
   *
   * @param resource the resource's name
   * @return the source
   */
  static ModelSource classpath(String resource) {
    return Sources.classpath(resource, null);
  }

  /**
   * A model file on the classpath of {@code loader}.
   *
   * @param resource the resource's name
   * @param loader the class loader to read it from
   * @return the source
   */
  static ModelSource classpath(String resource, ClassLoader loader) {
    return Sources.classpath(resource, loader);
  }
}
