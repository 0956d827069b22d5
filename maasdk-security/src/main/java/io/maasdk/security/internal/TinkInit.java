package io.maasdk.security.internal;

import com.google.crypto.tink.Configuration;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.mac.MacConfig;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.signature.SignatureConfig;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import java.security.GeneralSecurityException;

/** Registers Tink's primitives once per JVM. Thread-safe. */
public final class TinkInit {
  private static final Configuration CONFIG;

  static {
    try {
      AeadConfig.register();
      StreamingAeadConfig.register();
      SignatureConfig.register();
      PrfConfig.register();
      MacConfig.register();
      CONFIG = RegistryConfiguration.get();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private TinkInit() {}

  /** The configuration primitives are made with; registers Tink on first use. */
  public static Configuration config() {
    return CONFIG;
  }
}
