/**
 * Service-provider interfaces: the points where maasdk-security, maasdk-metrics and applications
 * plug into the runtime without core depending on them.
 */
@NullMarked
package io.maasdk.spi;

import org.jspecify.annotations.NullMarked;
