package io.maasdk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bytes of one model version, as a {@link ModelSource} hands them to the engine. Either a
 * plaintext location on disk that the engine may read itself ({@link #path()}), or only a stream of
 * the model file ({@link #openStream()}), which is how decrypting and verifying sources keep
 * plaintext off the disk. The runtime closes the artifact once the engine has loaded it.
 */
public interface ModelArtifact extends AutoCloseable {

  /**
   * The model file's name, such as {@code model.pt}; used in messages.
   *
   * @return the file name
   */
  String fileName();

  /**
   * A plaintext file or directory the engine may load directly (needed for models of several
   * files), or empty when the model is only available as a stream.
   *
   * @return the file's path, or empty when the bytes are only in memory
   */
  Optional<Path> path();

  /**
   * Opens the model file's bytes. May be called once per load.
   *
   * @return a stream of the file's bytes; the caller closes it
   * @throws IOException if the bytes cannot be read
   */
  InputStream openStream() throws IOException;

  /** Releases whatever the artifact holds (buffers, temporary state). Never throws. */
  @Override
  default void close() {}
}
