/**
 * maasdk's API: {@link io.maasdk.ModelRuntime} hosts model versions, {@link io.maasdk.ModelHandle}
 * calls them. Start with {@code ModelRuntime.builder()}.
 */
@NullMarked
package io.maasdk;

import org.jspecify.annotations.NullMarked;
