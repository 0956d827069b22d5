/** Implementation details of maasdk-metrics. Not API: may change in any release. */
@NullMarked
package io.maasdk.metrics.internal;

import org.jspecify.annotations.NullMarked;
