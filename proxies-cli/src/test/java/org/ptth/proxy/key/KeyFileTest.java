package org.ptth.proxy.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {

    private static final String GOOD_KEY = "3f9a0c1b7e2d4a6f8b5c9e0d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";

    @TempDir
    Path dir;

    private Path write(final String content, final String mode) throws IOException {
        final Path file = dir.resolve("test.key");
        Files.writeString(file, content);
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        }
        return file;
    }

    @Test
    void loadsAGoodKeyWithoutItsNewline() throws Exception {
        assertEquals(GOOD_KEY, KeyFile.load(write(GOOD_KEY + "\n", "rw-------")));
    }

    @Test
    void refusesAKeyOthersCanRead() throws Exception {
        assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "POSIX file system");
        final Path file = write(GOOD_KEY + "\n", "rw-r--r--");
        final KeyFileException unsafe = assertThrows(KeyFileException.class, () -> KeyFile.load(file));
        assertTrue(unsafe.getMessage().contains("chmod 600 " + file), unsafe.getMessage());
    }

    @Test
    void refusesAKeyTheGroupCanWrite() throws Exception {
        assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "POSIX file system");
        assertThrows(KeyFileException.class, () -> KeyFile.load(write(GOOD_KEY, "rw--w----")));
    }

    @Test
    void refusesShortUppercaseAndNonHexKeys() throws Exception {
        assertThrows(KeyFileException.class, () -> KeyFile.load(write(GOOD_KEY.substring(2), "rw-------")));
        assertThrows(KeyFileException.class, () -> KeyFile.load(write(GOOD_KEY.toUpperCase(), "rw-------")));
        assertThrows(KeyFileException.class, () -> KeyFile.load(write(GOOD_KEY.replace('a', 'g'), "rw-------")));
        assertThrows(KeyFileException.class, () -> KeyFile.load(write("", "rw-------")));
    }

    @Test
    void refusesLowEntropyKeys() throws Exception {
        final KeyFileException same = assertThrows(KeyFileException.class,
                () -> KeyFile.load(write("0".repeat(64), "rw-------")));
        assertTrue(same.getMessage().contains("low-entropy"), same.getMessage());
        assertThrows(KeyFileException.class, () -> KeyFile.load(write("0123456".repeat(10).substring(0, 64), "rw-------")));
    }

    @Test
    void missingFileIsNamed() {
        final Path missing = dir.resolve("nope.key");
        final KeyFileException error = assertThrows(KeyFileException.class, () -> KeyFile.load(missing));
        assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
    }

    @Test
    void createdFilesAreOwnerOnlyAndNeverOverwritten() throws Exception {
        final Path file = dir.resolve("new.key");
        final String key = KeyFile.generateKey();
        KeyFile.create(file, key);
        assertEquals(key + "\n", Files.readString(file));
        assertEquals(key, KeyFile.load(file), "a generated key passes every check");
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        assertThrows(KeyFileException.class, () -> KeyFile.create(file, KeyFile.generateKey()));
        assertEquals(key + "\n", Files.readString(file));
    }

    @Test
    void hashIsSha256OfTheHexText() {
        // sha256("abc") is a well-known test vector
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KeyHash.of("abc"));
    }
}
