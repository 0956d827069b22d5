package io.maasdk.security;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import io.maasdk.IntegrityException;
import io.maasdk.security.internal.TinkInit;
import io.maasdk.security.internal.TinkPrimitives;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and writes Tink keysets (Tink's JSON format) from a file, an environment variable or a
 * classpath resource. Three kinds:
 *
 * <ul>
 *   <li>{@link #encrypted(MasterKey)}: secret keysets encrypted under a master AEAD; the only kind
 *       to use in production;
 *   <li>{@link #publicKeys()}: keysets without secrets (signature verification keys); refuses
 *       secret keys;
 *   <li>{@link #insecureCleartext(String)}: cleartext secret keysets, for tests and local
 *       development only; logs a warning each time one is created.
 * </ul>
 *
 * <p>Every loaded keyset must have an enabled primary key. Error messages name the origin, never
 * the content. Immutable and thread-safe.
 */
public final class KeysetLoader {
  private static final Logger LOG = LoggerFactory.getLogger(KeysetLoader.class);
  private static final byte[] KEYSET_AD = "maasdk/keyset/v1".getBytes(StandardCharsets.UTF_8);

  private enum Kind {
    ENCRYPTED,
    PUBLIC,
    CLEARTEXT
  }

  private final Kind kind;
  private final @Nullable MasterKey master;

  private KeysetLoader(Kind kind, @Nullable MasterKey master) {
    this.kind = kind;
    this.master = master;
  }

  /**
   * Keysets encrypted under {@code master}.
   *
   * @param master the key the keysets are encrypted under
   * @return the loader
   */
  public static KeysetLoader encrypted(MasterKey master) {
    return new KeysetLoader(Kind.ENCRYPTED, Objects.requireNonNull(master, "master"));
  }

  /**
   * Public keysets only (no secret key material).
   *
   * @return the loader
   */
  public static KeysetLoader publicKeys() {
    return new KeysetLoader(Kind.PUBLIC, null);
  }

  /**
   * INSECURE: cleartext secret keysets, for tests and local development. Logs a warning naming
   * {@code reason}.
   *
   * @param reason why cleartext keys are acceptable here, logged
   * @return the loader
   */
  public static KeysetLoader insecureCleartext(String reason) {
    LOG.warn(
        "INSECURE: reading and writing cleartext keysets ({}); never do this in production",
        reason);
    return new KeysetLoader(Kind.CLEARTEXT, null);
  }

  /**
   * Reads a keyset from a file.
   *
   * @param file the keyset file
   * @return the keyset
   */
  public KeysetHandle fromFile(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the keyset file " + file, e);
    }
    return parse(text, "file " + file);
  }

  /**
   * Reads a keyset from the environment variable {@code name}.
   *
   * @param name the variable's name
   * @return the keyset
   */
  public KeysetHandle fromEnvironment(String name) {
    return fromEnvironment(name, System::getenv);
  }

  KeysetHandle fromEnvironment(String name, Function<String, @Nullable String> env) {
    String text = env.apply(name);
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the environment variable " + name + " is not set");
    }
    return parse(text, "environment variable " + name);
  }

  /**
   * Reads a keyset from a classpath resource (context class loader, else maasdk's).
   *
   * @param resource the resource's name
   * @return the keyset
   */
  public KeysetHandle fromClasspath(String resource) {
    ClassLoader cl = Thread.currentThread().getContextClassLoader();
    if (cl == null) {
      cl = KeysetLoader.class.getClassLoader();
    }
    try (InputStream in = cl.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no classpath resource " + resource);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "resource " + resource);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the keyset resource " + resource, e);
    }
  }

  /**
   * Parses a serialized keyset; {@code origin} is used in messages.
   *
   * @param text the serialized keyset
   * @param origin where it came from, for messages
   * @return the keyset
   * @throws IntegrityException if it is not a keyset of this loader's kind (wrong master key,
   *     tampered, not encrypted) or has no enabled primary key
   * @throws KmsUnavailableException if the master key's KMS did not answer; retry later
   */
  public KeysetHandle parse(String text, String origin) {
    KeysetHandle h;
    TinkInit.forKeysetText(text); // only the families its keys need: each costs CPU on a cold JVM
    MasterCall kms = kind == Kind.ENCRYPTED ? new MasterCall(master().aead()) : null;
    try {
      switch (kind) {
        case ENCRYPTED:
          h =
              TinkJsonProtoKeysetFormat.parseEncryptedKeyset(
                  text, Objects.requireNonNull(kms), KEYSET_AD);
          break;
        case PUBLIC:
          h = TinkJsonProtoKeysetFormat.parseKeysetWithoutSecret(text);
          break;
        default:
          h = TinkJsonProtoKeysetFormat.parseKeyset(text, InsecureSecretKeyAccess.get());
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      Throwable unanswered = kms == null ? null : kms.unanswered();
      if (unanswered != null) {
        throw new KmsUnavailableException(
            "cannot load the keyset from "
                + origin
                + " now: the master key "
                + master()
                + " did not answer ("
                + unanswered.getClass().getSimpleName()
                + "); the keyset"
                + " was not judged, retry later",
            unanswered);
      }
      throw new IntegrityException(
          null,
          null,
          "cannot load the keyset from "
              + origin
              + ": "
              + expectation()
              + " ("
              + e.getClass().getSimpleName()
              + ")");
    }
    TinkPrimitives.requirePrimary(h, "the keyset from " + origin);
    return h;
  }

  /**
   * Writes {@code keyset} to a new owner-only file in this loader's form; never overwrites.
   *
   * @param keyset the keyset
   * @param file the new file
   */
  public void write(KeysetHandle keyset, Path file) {
    try {
      MasterKey.writeOwnerOnly(file, serialize(keyset).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the keyset " + file, e);
    }
  }

  /**
   * Serializes {@code keyset} in this loader's form.
   *
   * @param keyset the keyset
   * @return the serialized keyset
   */
  public String serialize(KeysetHandle keyset) {
    TinkInit.config();
    try {
      switch (kind) {
        case ENCRYPTED:
          return TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(
              keyset, master().aead(), KEYSET_AD);
        case PUBLIC:
          return TinkJsonProtoKeysetFormat.serializeKeysetWithoutSecret(keyset);
        default:
          return TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot serialize the keyset as "
              + kind.name().toLowerCase()
              + (kind == Kind.PUBLIC
                  ? ": it holds secret keys; pass Keysets.publicKeys(...)"
                  : ""));
    }
  }

  /**
   * The master key's AEAD, remembering whether a decryption failed because its KMS did not answer
   * (an I/O failure or timeout, checked or unchecked) rather than because it refused the
   * ciphertext.
   */
  private static final class MasterCall implements Aead {
    private final Aead master;
    private volatile @Nullable Throwable unanswered;

    MasterCall(Aead master) {
      this.master = master;
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
      return master.encrypt(plaintext, associatedData);
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData)
        throws GeneralSecurityException {
      try {
        return master.decrypt(ciphertext, associatedData);
      } catch (GeneralSecurityException e) {
        if (notAnswered(e)) {
          unanswered = e;
        }
        throw e;
      } catch (RuntimeException e) {
        unanswered = e; // a KMS client's own failure: its answer never came
        throw e;
      }
    }

    @Nullable Throwable unanswered() {
      return unanswered;
    }

    /** Whether an I/O failure or timeout is among the causes (how Tink's KMS clients wrap them). */
    private static boolean notAnswered(Throwable t) {
      for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
        if (c instanceof IOException || c instanceof TimeoutException) {
          return true;
        }
      }
      return false;
    }
  }

  private MasterKey master() {
    return Objects.requireNonNull(master);
  }

  private String expectation() {
    switch (kind) {
      case ENCRYPTED:
        return "expected a keyset encrypted under this master key (wrong master key, tampered,"
            + " or not encrypted)";
      case PUBLIC:
        return "expected a public keyset without secret keys";
      default:
        return "expected a cleartext Tink JSON keyset";
    }
  }
}
