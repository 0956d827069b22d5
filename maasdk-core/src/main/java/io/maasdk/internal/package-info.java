/**
 * Implementation. Not API: anything here may change in any release without notice.
 */
@NullMarked
package io.maasdk.internal;

import org.jspecify.annotations.NullMarked;
