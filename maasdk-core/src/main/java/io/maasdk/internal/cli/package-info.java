/**
 * What maasdk's command-line tools share (the security tool's {@code maasdk} and {@code
 * maasdk-ops}): option parsing with typo suggestions. Not API: exported only to {@code
 * io.maasdk.security}; {@code maasdk-ops} reads it from the class path.
 */
@NullMarked
package io.maasdk.internal.cli;

import org.jspecify.annotations.NullMarked;
