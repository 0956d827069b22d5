/** Built-in translators between Java types and tensors. */
@NullMarked
package io.maasdk.codec;

import org.jspecify.annotations.NullMarked;
