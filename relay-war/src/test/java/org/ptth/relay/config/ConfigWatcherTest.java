package org.ptth.relay.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ptth.relay.auth.KeyHashes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

class ConfigWatcherTest {

    private static String config(final char keyDigit) {
        return "server.srv.key-sha256=" + KeyHashes.sha256Hex(String.valueOf(keyDigit).repeat(64)) + "\n";
    }

    @Test
    void anEditOfTheSameSizeAndTimeIsNoticed(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("ptth-relay.properties");
        Files.writeString(file, config('1'));
        final FileTime stamp = Files.getLastModifiedTime(file);
        @SuppressWarnings("unchecked")
        final Consumer<RelayConfig> onChange = mock(Consumer.class);
        final ConfigWatcher watcher = new ConfigWatcher(file, onChange);
        watcher.check();
        watcher.check();
        verify(onChange, never()).accept(any());

        // The server re-keyed: same size, written within the file system's time granularity.
        Files.writeString(file, config('2'));
        Files.setLastModifiedTime(file, stamp);
        watcher.check();
        verify(onChange, times(1)).accept(any());
        assertEquals(false, watcher.current().stillValid(new org.ptth.relay.auth.Principal(
                org.ptth.relay.auth.Principal.Kind.SERVER, "srv", KeyHashes.sha256Hex("1".repeat(64)))));
    }
}
