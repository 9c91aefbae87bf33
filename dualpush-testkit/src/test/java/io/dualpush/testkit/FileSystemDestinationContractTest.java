package io.dualpush.testkit;

import io.dualpush.local.FileSystemDestination;
import io.dualpush.spi.Destination;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("FileSystemDestination keeps the destination contract")
class FileSystemDestinationContractTest extends DestinationContract {
  @TempDir
  Path directory;

  @Override
  protected Destination createDestination() {
    return new FileSystemDestination(directory);
  }
}
