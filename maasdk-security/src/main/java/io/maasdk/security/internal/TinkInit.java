package io.maasdk.security.internal;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.prf.PrfSet;
import com.google.crypto.tink.signature.SignatureConfig;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import java.security.GeneralSecurityException;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Registers Tink's primitives, each family once per JVM and only when first needed. Thread-safe.
 *
 * <p>Why per family: on a cold JVM registering all five families costs ~0.8 CPU-s (class loading
 * and its JIT); loading an encrypted, signed model needs only streaming AEAD and signatures (~0.6
 * s). {@link #config()} still registers everything, for code that may meet any kind of key.
 */
public final class TinkInit {
  /** A family of Tink primitives, registered as a whole. */
  public enum Family {
    STREAMING_AEAD,
    SIGNATURE,
    AEAD,
    MAC,
    PRF
  }

  private static final Set<Family> REGISTERED = EnumSet.noneOf(Family.class);
  private static final Pattern TYPE_URL =
      Pattern.compile("type\\.googleapis\\.com/google\\.crypto\\.tink\\.([A-Za-z0-9]+)");

  private TinkInit() {}

  /** The configuration primitives are made with, with every family registered. */
  public static Configuration config() {
    return register(EnumSet.allOf(Family.class));
  }

  /** The configuration, with at least {@code families} registered. */
  public static Configuration register(Family first, Family... more) {
    return register(EnumSet.of(first, more));
  }

  /**
   * The configuration, with the family that makes {@code primitive} registered (all if unknown).
   */
  public static Configuration configFor(Class<?> primitive) {
    if (primitive == StreamingAead.class) {
      return register(Family.STREAMING_AEAD);
    }
    if (primitive == PublicKeyVerify.class || primitive == PublicKeySign.class) {
      return register(Family.SIGNATURE);
    }
    if (primitive == Aead.class) {
      return register(Family.AEAD);
    }
    if (primitive == Mac.class) {
      return register(Family.MAC);
    }
    if (primitive == PrfSet.class) {
      return register(Family.PRF);
    }
    return config();
  }

  /**
   * Registers what a serialized keyset needs before it is parsed: the families of the key types its
   * text names, or every family if it names one this does not know (or none).
   */
  public static void forKeysetText(String text) {
    Set<Family> needed = EnumSet.noneOf(Family.class);
    Matcher m = TYPE_URL.matcher(text);
    while (m.find()) {
      Family f = familyOf(m.group(1));
      if (f == null) {
        config();
        return;
      }
      needed.add(f);
    }
    register(needed.isEmpty() ? EnumSet.allOf(Family.class) : needed);
  }

  private static @Nullable Family familyOf(String keyType) {
    switch (keyType) {
      case "AesGcmHkdfStreamingKey":
      case "AesCtrHmacStreamingKey":
        return Family.STREAMING_AEAD;
      case "Ed25519PrivateKey":
      case "Ed25519PublicKey":
      case "EcdsaPrivateKey":
      case "EcdsaPublicKey":
      case "RsaSsaPkcs1PrivateKey":
      case "RsaSsaPkcs1PublicKey":
      case "RsaSsaPssPrivateKey":
      case "RsaSsaPssPublicKey":
        return Family.SIGNATURE;
      default:
        return null;
    }
  }

  private static synchronized Configuration register(Set<Family> families) {
    try {
      for (Family f : families) {
        if (REGISTERED.contains(f)) {
          continue;
        }
        switch (f) {
          case STREAMING_AEAD:
            StreamingAeadConfig.register();
            break;
          case SIGNATURE:
            SignatureConfig.register();
            break;
          case AEAD:
            AeadConfig.register();
            break;
          case MAC:
            MacConfig.register();
            break;
          default:
            PrfConfig.register();
        }
        REGISTERED.add(f);
      }
      return RegistryConfiguration.get();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot register Tink's primitives", e);
    }
  }
}
