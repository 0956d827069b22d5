/**
 * LangChain4j integration: {@link io.maasdk.langchain4j.MaasdkEmbeddingModel}, a LangChain4j {@code
 * EmbeddingModel} that embeds through a maasdk {@code ModelHandle<String, float[]>}, so RAG
 * applications get maasdk's batching, response cache, metering and quotas for in-process
 * embeddings. Works from plain Java and as a bean in quarkus-langchain4j.
 */
@NullMarked
package io.maasdk.langchain4j;

import org.jspecify.annotations.NullMarked;
