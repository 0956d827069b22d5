/** The {@code maasdk} command-line tool: {@link io.maasdk.security.cli.MaasdkCli}. */
@NullMarked
package io.maasdk.security.cli;

import org.jspecify.annotations.NullMarked;
