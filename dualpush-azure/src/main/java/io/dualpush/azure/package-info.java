/** Azure Blob Storage adapters: {@link io.dualpush.azure.AzureBlobDestination}. */
@NullMarked
package io.dualpush.azure;

import org.jspecify.annotations.NullMarked;
