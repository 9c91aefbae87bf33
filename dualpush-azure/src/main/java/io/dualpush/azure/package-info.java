/** Azure Blob Storage adapters: {@link io.dualpush.azure.AzureBlobDestination} and {@link io.dualpush.azure.AzureBlobTransactionLog}. */
@NullMarked
package io.dualpush.azure;

import org.jspecify.annotations.NullMarked;
