/** Implementation of maasdk-security. Not API: anything here may change without notice. */
@NullMarked
package io.maasdk.security.internal;

import org.jspecify.annotations.NullMarked;
